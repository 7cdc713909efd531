/**
 * HostRoot.copyAtomic, the chunked copy behind an upgrade's kept binaries: the bytes of a file larger than
 * one chunk arrive whole, owner and mode are the ones asked for (not the source's), a source real path that
 * is a symlink is refused instead of followed (callers resolve target paths inside the root first), and a
 * failed copy leaves neither a target nor a temp file behind; a desired file given by reference (the
 * compiled etcdup placing itself) is applied the same way.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { HostRoot } from "../../lib/host/fs.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { sha256File } from "../../lib/host/hash.ts";
import { applyDecisions, currentFile } from "../../lib/host/file_writes.ts";
import { decideFiles } from "../../lib/plan/diff.ts";
import type { DesiredFile } from "../../lib/files.ts";

function withRoot(fn: (host: HostRoot, root: string) => void): void {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-copy-" });
  try {
    const host = new HostRoot(root);
    host.ensureDir("/bin", { uid: 0, gid: 0, mode: 0o755 });
    host.ensureDir("/keep", { uid: 0, gid: 0, mode: 0o700 });
    fn(host, root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

Deno.test("copyAtomic: a 3.5 MiB file arrives byte for byte with the owner and mode asked for", () => {
  withRoot((host) => {
    const data = new Uint8Array(randomBytes(3.5 * 1024 * 1024));
    host.writeAtomic("/bin/etcd", data, { uid: 0, gid: 0, mode: 0o755 });
    host.copyAtomic(host.resolve("/bin/etcd"), "/keep/etcd", { uid: 1234, gid: 2345, mode: 0o700 });
    assert.equal(sha256Hex(host.read("/keep/etcd")!), sha256Hex(data));
    const st = host.stat("/keep/etcd")!;
    assert.deepEqual([st.uid, st.gid, st.mode], [1234, 2345, 0o700]);
    assert.deepEqual(fs.readdirSync(host.resolve("/keep")), ["etcd"]);
  });
});

Deno.test("copyAtomic: a real path that is a symlink is refused (ELOOP), the target is left as it was, no temp file", () => {
  withRoot((host, root) => {
    fs.writeFileSync(path.join(root, "secret"), "not an etcd binary");
    const link = path.join(root, "link");
    fs.symlinkSync(path.join(root, "secret"), link);
    host.writeAtomic("/keep/etcd", "old copy", { uid: 0, gid: 0, mode: 0o700 });
    assert.throws(() => host.copyAtomic(link, "/keep/etcd", { uid: 0, gid: 0, mode: 0o700 }), {
      code: "ELOOP",
    });
    assert.equal(host.readText("/keep/etcd"), "old copy");
    assert.throws(
      () => host.copyAtomic(host.resolve("/bin/missing"), "/keep/x", { uid: 0, gid: 0, mode: 0o700 }),
      {
        code: "ENOENT",
      },
    );
    assert.deepEqual(fs.readdirSync(host.resolve("/keep")), ["etcd"]);
  });
});

Deno.test("applyDecisions: a desired file given by reference ({ copyOf }) is copied, and a re-run keeps it", () => {
  withRoot((host, root) => {
    const exe = path.join(root, "etcdup-compiled");
    fs.writeFileSync(exe, randomBytes(1.5 * 1024 * 1024));
    const file: DesiredFile = {
      path: "/bin/etcdup",
      content: { copyOf: exe },
      sha256: sha256File(exe),
      uid: 0,
      gid: 0,
      mode: 0o755,
      protectEdits: false,
      readByEtcd: false,
    };
    const first = decideFiles([file], (p) => currentFile(host, p), {});
    assert.deepEqual(first.map((d) => d.action), ["create"]);
    applyDecisions(host, first);
    assert.equal(sha256File(host.resolve("/bin/etcdup")), file.sha256);
    assert.equal(host.stat("/bin/etcdup")?.mode, 0o755);
    assert.deepEqual(decideFiles([file], (p) => currentFile(host, p), {}).map((d) => d.action), ["keep"]);
  });
});
