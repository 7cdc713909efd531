import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as fs from "node:fs";
import { HostRoot } from "../../lib/host/fs.ts";
import { keepFiles, restoreFiles } from "../../lib/daytwo/swap.ts";
import { currentFile } from "../../lib/host/file_writes.ts";
import { backupDirFor } from "../../lib/daytwo/snapshot.ts";

Deno.test("kept files come back byte for byte with owner and mode; files that were absent are removed", () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-swap-" });
  try {
    const host = new HostRoot(root);
    host.ensureDir("/usr/local/bin", { uid: 0, gid: 0, mode: 0o755 });
    host.ensureDir("/etc/default", { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic("/usr/local/bin/etcd", "etcd 3.4", { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic("/etc/default/etcd", "ETCD_NAME=n1\n", { uid: 0, gid: 0, mode: 0o644 });
    const before = currentFile(host, "/usr/local/bin/etcd");
    const backup = backupDirFor(new Date("2026-11-25T15:43:40.123Z"), "v3.4.23");
    assertEquals(backup, "/var/lib/etcdup/backups/20261125T154340Z-v3.4.23");

    const kept = keepFiles(
      host,
      ["/usr/local/bin/etcd", "/usr/local/bin/etcdutl", "/etc/default/etcd"],
      backup,
    );
    assertEquals(kept.absent, ["/usr/local/bin/etcdutl"]);
    assertEquals(host.stat(backup)?.mode, 0o700);
    for (const f of kept.files) assertEquals(host.stat(f.copy)!.mode & 0o077, 0, `${f.copy} is private`);

    host.writeAtomic("/usr/local/bin/etcd", "etcd 3.5", { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic("/usr/local/bin/etcdutl", "etcdutl 3.5", { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic("/etc/default/etcd", "ETCD_NAME=n1\nETCD_TLS_MIN_VERSION=TLS1.2\n", {
      uid: 0,
      gid: 0,
      mode: 0o644,
    });

    const touched = restoreFiles(host, kept);
    assertEquals(touched.sort(), ["/etc/default/etcd", "/usr/local/bin/etcd", "/usr/local/bin/etcdutl"]);
    assertEquals(currentFile(host, "/usr/local/bin/etcd"), before);
    assertEquals(host.readText("/etc/default/etcd"), "ETCD_NAME=n1\n");
    assertEquals(host.stat("/usr/local/bin/etcdutl"), undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
