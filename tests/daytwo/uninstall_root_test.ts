/** `etcdup uninstall --root DIR` on a tree made by the test: what it removes, keeps and reports. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as fs from "node:fs";
import { main } from "../../main.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { readRemains, REMAINS_FILE, STATE_FILE } from "../../lib/host/state.ts";
import { fakeInstall } from "./fixtures.ts";

const FILES: Record<string, [string, number]> = {
  "/usr/local/bin/etcd": ["etcd binary", 0o755],
  "/usr/local/bin/etcdctl": ["etcdctl binary", 0o755],
  "/etc/default/etcd": ["ETCD_NAME=n1\n", 0o644],
  "/etc/profile.d/etcdctl.sh": ["export ETCDCTL_API=3\n", 0o644],
  "/etc/systemd/system/etcd.service": ["[Unit]\n", 0o644],
  "/etc/etcd/pki/ca.crt": ["ca", 0o644],
  "/etc/etcd/pki/server.key": ["key", 0o600],
};

/** A fake installation with the data dir holding keys. */
function fakeMember(): { root: string; host: HostRoot } {
  const made = fakeInstall("etcdup-uninstall-", FILES);
  made.host.ensureDir("/var/lib/etcd/member", { uid: 0, gid: 0, mode: 0o700 });
  made.host.writeAtomic("/var/lib/etcd/member/db", "keys", { uid: 0, gid: 0, mode: 0o600 });
  return made;
}

const exists = (host: HostRoot, p: string) => host.stat(p) !== undefined;

Deno.test("uninstall --root removes etcdup's files, keeps the edited env file, the PKI and the data; re-run is a no-op", async () => {
  const { root, host } = fakeMember();
  try {
    host.writeAtomic("/etc/default/etcd", "ETCD_NAME=n1\nETCD_QUOTA_BACKEND_BYTES=8589934592\n", {
      uid: 0,
      gid: 0,
      mode: 0o644,
    });
    assertEquals(await main(["uninstall", "--root", root, "--quiet"], {}), 0);
    for (const p of ["/usr/local/bin/etcd", "/usr/local/bin/etcdctl", "/etc/profile.d/etcdctl.sh"]) {
      assertEquals(exists(host, p), false, `${p} should be gone`);
    }
    assertEquals(exists(host, "/etc/systemd/system/etcd.service"), false);
    assertEquals(host.readText("/etc/default/etcd")?.includes("QUOTA"), true, "the user's edit is kept");
    assertEquals(exists(host, "/etc/etcd/pki/ca.crt") && exists(host, "/etc/etcd/pki/server.key"), true);
    assertEquals(host.readText("/var/lib/etcd/member/db"), "keys");
    assertEquals(exists(host, STATE_FILE), false);
    const remains = readRemains(host)!;
    assertEquals([remains.dataDirs, remains.pkiDirs], [["/var/lib/etcd"], ["/etc/etcd/pki"]]);
    assertEquals(Object.keys(remains.files).sort(), ["/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.key"]);
    assertEquals(host.stat(REMAINS_FILE)?.mode, 0o600);
    const before = host.readText(REMAINS_FILE);
    assertEquals(await main(["uninstall", "--root", root, "--quiet"], {}), 0, "a second run is harmless");
    assertEquals(host.readText(REMAINS_FILE), before, "and changes nothing");
    assertEquals(await main(["status", "--root", root, "--quiet"], {}), 7, "status: not installed");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("uninstall, then uninstall --purge --root removes the kept data dir, PKI and backups from the record", async () => {
  const { root, host } = fakeMember();
  try {
    host.ensureDir("/var/lib/etcdup/backups/20261125T154340Z-v3.4.23", { uid: 0, gid: 0, mode: 0o700 });
    assertEquals(await main(["uninstall", "--root", root, "--quiet"], {}), 0);
    assertEquals(host.readText("/var/lib/etcd/member/db"), "keys");
    assertEquals(await main(["uninstall", "--purge", "--dry-run", "--root", root, "--quiet"], {}), 0);
    assertEquals(exists(host, "/etc/etcd/pki/ca.crt") && exists(host, REMAINS_FILE), true, "dry run");
    assertEquals(await main(["uninstall", "--purge", "--root", root, "--quiet"], {}), 0);
    for (const p of [...Object.keys(FILES), "/var/lib/etcd", "/etc/etcd", "/var/lib/etcdup"]) {
      assertEquals(exists(host, p), false, `${p} should be gone`);
    }
    assertEquals(await main(["uninstall", "--purge", "--root", root, "--quiet"], {}), 0, "idempotent");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("uninstall --purge --root also removes the data dir and the PKI, --dry-run changes nothing", async () => {
  const { root, host } = fakeMember();
  try {
    assertEquals(await main(["uninstall", "--purge", "--dry-run", "--root", root, "--quiet"], {}), 0);
    assertEquals(
      exists(host, "/usr/local/bin/etcd") && exists(host, STATE_FILE),
      true,
      "dry run touched nothing",
    );
    assertEquals(await main(["uninstall", "--purge", "--root", root, "--quiet"], {}), 0);
    for (const p of [...Object.keys(FILES), "/var/lib/etcd", "/etc/etcd", "/var/lib/etcdup"]) {
      assertEquals(exists(host, p), false, `${p} should be gone`);
    }
    assertEquals(exists(host, "/usr/local/bin"), true, "directories etcdup did not create stay");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
