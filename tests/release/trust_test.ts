/**
 * Trust order: --sha256 wins (with a warning when the manifest disagrees) > embedded manifest > SHA256SUMS
 * beside the tarball; a wrong digest stages nothing; no trust source at all is refused.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { manifestDigest } from "../../lib/release/manifest.ts";
import { bundleTarball, obtainRelease, type ReleaseRequest } from "../../lib/release/obtain.ts";
import { writeRelease } from "../support/tarball_builder.ts";
import { captureOutput, listTree, rejectsWith, tempDir, throwsWith } from "./helpers.ts";

const KNOWN = "v3.5.30";

async function withRelease(
  version: string,
  fn: (dir: string, t: { path: string; name: string; sha256: string }) => Promise<void>,
) {
  const dir = tempDir();
  try {
    await fn(dir, await writeRelease(dir, version, "amd64"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const req = (
  dir: string,
  version: string,
  file: string,
  extra: Partial<ReleaseRequest> = {},
): ReleaseRequest => ({
  version,
  arch: "amd64",
  source: { kind: "tarball", path: file },
  stagingParent: dir,
  ...extra,
});

Deno.test("trust: a known version is checked against the embedded manifest (a test tarball fails it)", async () => {
  await withRelease(KNOWN, async (dir, t) => {
    // A SHA256SUMS beside the tarball must not override the manifest.
    fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${t.sha256}  ${t.name}\n`);
    const err = await rejectsWith(
      obtainRelease(req(dir, KNOWN, t.path), captureOutput().out),
      "checksum-mismatch",
      Exit.verification,
    );
    assert.match(err.message, /embedded manifest/);
    assert.ok(err.message.includes(manifestDigest(KNOWN, "amd64")!));
    assert.deepEqual(listTree(dir), ["SHA256SUMS", t.name], "nothing staged");
  });
});

Deno.test("trust: --sha256 wins over the manifest, with a warning naming the official digest", async () => {
  await withRelease(KNOWN, async (dir, t) => {
    const { out, lines } = captureOutput();
    const staged = await obtainRelease(req(dir, KNOWN, t.path, { sha256: t.sha256.toUpperCase() }), out);
    staged.cleanup();
    assert.equal(staged.trust, "flag");
    const warning = lines.find((l) => l.event === "warning");
    assert.ok(warning && String(warning.message).includes(manifestDigest(KNOWN, "amd64")!));
    assert.ok(lines.some((l) => l.trust === "flag" && String(l.message).includes("the --sha256 you gave")));
  });
});

Deno.test("trust: an unknown version uses the SHA256SUMS beside the tarball", async () => {
  await withRelease("v9.1.2", async (dir, t) => {
    fs.writeFileSync(
      path.join(dir, "SHA256SUMS"),
      `${"0".repeat(64)}  other.tar.gz\n${t.sha256}  ${t.name}\n`,
    );
    const { out, lines } = captureOutput();
    const staged = await obtainRelease(req(dir, "v9.1.2", t.path), out);
    staged.cleanup();
    assert.equal(staged.trust, "sha256sums");
    assert.ok(lines.some((l) => l.trust === "sha256sums" && String(l.message).includes("SHA256SUMS")));
  });
});

Deno.test("trust: a wrong SHA256SUMS or a wrong --sha256 stages nothing", async () => {
  await withRelease("v9.1.2", async (dir, t) => {
    fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${"1".repeat(64)}  ${t.name}\n`);
    const err = await rejectsWith(
      obtainRelease(req(dir, "v9.1.2", t.path), captureOutput().out),
      "checksum-mismatch",
      Exit.verification,
    );
    assert.match(err.message, /release's SHA256SUMS says 1{64}/);
    await rejectsWith(
      obtainRelease(req(dir, "v9.1.2", t.path, { sha256: "2".repeat(64) }), captureOutput().out),
      "checksum-mismatch",
    );
    await rejectsWith(
      obtainRelease(req(dir, "v9.1.2", t.path, { sha256: "xyz" }), captureOutput().out),
      "bad-sha256",
      Exit.usage,
    );
    assert.deepEqual(listTree(dir), ["SHA256SUMS", t.name]);
  });
});

Deno.test("trust: an unknown version with no SHA256SUMS entry and no --sha256 is refused", async () => {
  await withRelease("v9.1.2", async (dir, t) => {
    const none = await rejectsWith(
      obtainRelease(req(dir, "v9.1.2", t.path), captureOutput().out),
      "no-trusted-digest",
      Exit.verification,
    );
    assert.match(none.message, /SHA256SUMS does not exist/);
    assert.match(none.hint ?? "", /--sha256/);
    fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${"0".repeat(64)}  other.tar.gz\n`);
    const missing = await rejectsWith(
      obtainRelease(req(dir, "v9.1.2", t.path), captureOutput().out),
      "no-trusted-digest",
    );
    assert.match(missing.message, /has no entry for etcd-v9\.1\.2-linux-amd64\.tar\.gz/);
  });
});

Deno.test("bundleTarball picks the version asked, or the newest for the arch", () => {
  const dir = tempDir();
  try {
    for (
      const n of [
        "etcd-v3.5.9-linux-amd64.tar.gz",
        "etcd-v3.5.10-linux-amd64.tar.gz",
        "etcd-v3.6.0-linux-arm64.tar.gz",
      ]
    ) {
      fs.writeFileSync(path.join(dir, n), "");
    }
    assert.deepEqual(bundleTarball(dir, undefined, "amd64"), {
      path: path.join(dir, "etcd-v3.5.10-linux-amd64.tar.gz"),
      version: "v3.5.10",
    });
    assert.equal(bundleTarball(dir, "v3.5.9", "amd64").version, "v3.5.9");
    assert.equal(bundleTarball(dir, undefined, "arm64").version, "v3.6.0");
    throwsWith(
      () => bundleTarball(dir, "v3.6.0", "amd64"),
      "bundle-missing-release",
      Exit.usage,
      /has no etcd-v3\.6\.0-linux-amd64\.tar\.gz \(it has v3\.5\.9, v3\.5\.10\)/,
    );
    throwsWith(
      () => bundleTarball(path.join(dir, "nope"), undefined, "amd64"),
      "bundle-unreadable",
      Exit.usage,
      /--bundle/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
