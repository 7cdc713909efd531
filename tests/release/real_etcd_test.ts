/**
 * The pipeline on real etcd binaries (Debian-built, packed in the official layout by the e2e fixtures): the
 * staged etcd really runs `--version`; a 3.4 release has no etcdutl and installs without it; a real etcd in a
 * tarball claiming another version is refused; and the manifest rejects a Debian build of an official version.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Output } from "../../lib/output.ts";
import { Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { installBinaries } from "../../lib/release/binaries.ts";
import { obtainRelease, type ReleaseRequest, type StagedRelease } from "../../lib/release/obtain.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { releaseEntries, writeRelease } from "../support/tarball_builder.ts";
import { topFolderName as topFolder } from "../../lib/release/file_name.ts";
import { captureOutput, inTempDir, rejectsWith } from "./helpers.ts";

const fromFile = (file: string, stage: string, extra: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
  version: "",
  arch: "amd64",
  source: { kind: "tarball", path: file },
  stagingParent: stage,
  ...extra,
});

/** Obtains `req`, runs `fn` on the staged release and cleans the staging dir up. */
async function withStaged(req: ReleaseRequest, out: Output, fn: (s: StagedRelease) => void): Promise<void> {
  const staged = await obtainRelease(req, out);
  try {
    fn(staged);
  } finally {
    staged.cleanup();
  }
}

Deno.test("real etcd 3.5 (sid): staged, `etcd --version` checked, installed", async () => {
  const fx = await etcdFixture("sid");
  await inTempDir(async (root) => {
    const host = new HostRoot(root);
    host.ensureDir("/usr/local/bin", { uid: 0, gid: 0, mode: 0o755 });
    const { out, lines } = captureOutput();
    const req = fromFile(fx.tarball, host.resolve("/usr/local/bin"), {
      version: fx.version,
      sha256: fx.sha256,
    });
    await withStaged(req, out, (staged) => {
      assert.ok(lines.some((l) => l.message === `etcd --version reports ${fx.version}`));
      assert.equal(installBinaries(staged, host, "/usr/local/bin").changed.length, 3);
    });
    const v = new Deno.Command(host.resolve("/usr/local/bin/etcdctl"), { args: ["version"] }).outputSync();
    assert.match(new TextDecoder().decode(v.stdout), new RegExp(`etcdctl version: ${fx.version.slice(1)}`));
  });
});

Deno.test("real etcd 3.4 (bookworm): no etcdutl in the release, etcd and etcdctl installed", async () => {
  const fx = await etcdFixture("bookworm");
  await inTempDir(async (root) => {
    const host = new HostRoot(root);
    host.ensureDir("/bin", { uid: 0, gid: 0, mode: 0o755 });
    const req = fromFile(fx.tarball, host.resolve("/bin"), { version: fx.version, sha256: fx.sha256 });
    await withStaged(req, captureOutput().out, (staged) => {
      assert.equal(staged.files.etcdutl, undefined);
      assert.deepEqual(installBinaries(staged, host, "/bin").changed, ["/bin/etcd", "/bin/etcdctl"]);
    });
  });
});

Deno.test("real etcd: a 3.5 release missing etcdutl is refused", async () => {
  await inTempDir(async (work) => {
    const t = await writeRelease(work, "v3.5.99", "amd64", {
      entries: releaseEntries("v3.5.99", "amd64").filter((e) => !e.name.endsWith("/etcdutl")),
    });
    const err = await rejectsWith(
      obtainRelease(fromFile(t.path, work, { version: "v3.5.99", sha256: t.sha256 }), captureOutput().out),
      "missing-binary",
    );
    assert.match(err.message, /etcd-v3\.5\.99-linux-amd64\/etcdutl/);
  });
});

Deno.test("real etcd in a tarball claiming another version: refused by `etcd --version`", async () => {
  const fx = await etcdFixture("sid");
  await inTempDir(async (work) => {
    await execOk(["tar", "xzf", fx.tarball, "-C", work]);
    const real = fs.readFileSync(path.join(work, topFolder(fx.version, "amd64"), "etcd"));
    const claim = "v3.5.29";
    const entries = releaseEntries(claim, "amd64").map((e) =>
      e.name === `${topFolder(claim, "amd64")}/etcd` ? { ...e, data: new Uint8Array(real) } : e
    );
    const t = await writeRelease(work, claim, "amd64", { entries });
    const err = await rejectsWith(
      obtainRelease(fromFile(t.path, work, { version: claim, sha256: t.sha256 }), captureOutput().out),
      "version-mismatch",
      Exit.verification,
    );
    assert.match(
      err.message,
      new RegExp(`reports version ${fx.version.replaceAll(".", "\\.")}, but v3\\.5\\.29`),
    );
  });
});

Deno.test("real etcd: a Debian build of an official version fails the embedded manifest without --sha256", async () => {
  const fx = await etcdFixture("sid");
  await inTempDir(async (stage) => {
    const err = await rejectsWith(
      obtainRelease(fromFile(fx.tarball, stage, { version: fx.version }), captureOutput().out),
      "checksum-mismatch",
      Exit.verification,
    );
    assert.match(err.message, /embedded manifest/);
    assert.deepEqual(fs.readdirSync(stage), []);
  });
});
