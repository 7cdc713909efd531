/**
 * Errors that point at the fix: a tarball the manifest refuses while the SHA256SUMS beside it vouches for it
 * (a private build) is told about `--sha256`, and `--dry-run`'s verification line says so before the run; a
 * wrong `--sha256` blames the digest given; `--version` other than the tarball's is a usage error blaming
 * the flag (exit 2), while planning.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { describeVerification, obtainRelease, type ReleaseRequest } from "../../lib/release/obtain.ts";
import { writeRelease } from "../support/tarball_builder.ts";
import { captureOutput, inTempDir, rejectsWith } from "./helpers.ts";
import { planFromValues } from "../support/install_options.ts";

const KNOWN = "v3.5.30";
const FACTS = { hostname: "n1", fqdn: "n1", addresses: [], cpu: "x86_64", isRoot: true };

const req = (dir: string, file: string, extra: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
  version: KNOWN,
  arch: "amd64",
  source: { kind: "tarball", path: file },
  stagingParent: dir,
  checkVersion: false,
  ...extra,
});

Deno.test("a private build the manifest refuses but its SHA256SUMS vouches for: the hint and --dry-run name --sha256", () =>
  inTempDir(async (dir) => {
    const t = await writeRelease(dir, KNOWN, "amd64");
    fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${t.sha256}  ${t.name}\n`);
    const err = await rejectsWith(
      obtainRelease(req(dir, t.path), captureOutput().out),
      "checksum-mismatch",
      Exit.verification,
    );
    assert.match(err.hint ?? "", /private build/);
    assert.ok((err.hint ?? "").includes(`--sha256 ${t.sha256}`), String(err.hint));
    const dry = await describeVerification(req(dir, t.path));
    assert.match(dry, /embedded manifest.*does NOT match.*--sha256 [0-9a-f]{64}/);
    assert.match(
      await describeVerification(req(dir, t.path, { sha256: t.sha256 })),
      /--sha256 you gave.*matches/,
    );
  }));

Deno.test("a wrong --sha256 blames the digest given, not the file", () =>
  inTempDir(async (dir) => {
    const t = await writeRelease(dir, "v9.1.2", "amd64");
    const err = await rejectsWith(
      obtainRelease(req(dir, t.path, { version: "v9.1.2", sha256: "2".repeat(64) }), captureOutput().out),
      "checksum-mismatch",
      Exit.verification,
    );
    assert.match(err.hint ?? "", /The --sha256 you gave does not match this file/);
    assert.ok((err.hint ?? "").includes(t.sha256), "the file's real digest is named");
    assert.doesNotMatch(err.hint ?? "", /corrupt|fetch it again/i);
  }));

Deno.test("--version other than the --tarball's is a usage error blaming --version, while planning", () => {
  assert.throws(
    () => planFromValues({ version: "3.6.4", tarball: "/srv/etcd-v3.5.16-linux-amd64.tar.gz" }, FACTS, "/"),
    (e: unknown) => {
      const err = e as { code: string; exit: number; message: string; hint: string };
      assert.equal(err.code, "version-tarball-mismatch");
      assert.equal(err.exit, Exit.usage);
      assert.match(err.message, /^--version 3\.6\.4 asks for v3\.6\.4, but --tarball etcd-v3\.5\.16/);
      assert.match(err.hint, /Leave --version out/);
      return true;
    },
  );
});
