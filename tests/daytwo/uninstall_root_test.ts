/** `etcdup uninstall --root DIR` on a tree made by the test: what it removes, keeps, records and reports. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { main } from "../../main.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { readRemains } from "../../lib/host/state.ts";
import { REMAINS_FILE, STATE_FILE } from "../../lib/state_record.ts";
import { inFakeMember, INSTALLED_FILES as FILES } from "./fixtures.ts";

const exists = (host: HostRoot, p: string) => host.stat(p) !== undefined;
const uninstall = (root: string, ...flags: string[]) =>
  main(["uninstall", ...flags, "--root", root, "--quiet"], {});

Deno.test("uninstall --root removes etcdup's files, keeps the edited env file, the PKI and the data; re-run is a no-op", () =>
  inFakeMember(async ({ root, host }) => {
    host.writeAtomic("/etc/default/etcd", "ETCD_NAME=n1\nETCD_QUOTA_BACKEND_BYTES=8589934592\n", {
      uid: 0,
      gid: 0,
      mode: 0o644,
    });
    assertEquals(await uninstall(root), 0);
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
    assertEquals(await uninstall(root), 0, "a second run is harmless");
    assertEquals(host.readText(REMAINS_FILE), before, "and changes nothing");
    assertEquals(await main(["status", "--root", root, "--quiet"], {}), 7, "status: not installed");
  }));

Deno.test("uninstall, then uninstall --purge --root removes the kept data dir, PKI and backups from the record", () =>
  inFakeMember(async ({ root, host }) => {
    host.ensureDir("/var/lib/etcdup/backups/20261125T154340Z-v3.4.23", { uid: 0, gid: 0, mode: 0o700 });
    assertEquals(await uninstall(root), 0);
    assertEquals(host.readText("/var/lib/etcd/member/db"), "keys");
    assertEquals(await uninstall(root, "--purge", "--dry-run"), 0);
    assertEquals(exists(host, "/etc/etcd/pki/ca.crt") && exists(host, REMAINS_FILE), true, "dry run");
    assertEquals(await uninstall(root, "--purge"), 0);
    for (const p of [...Object.keys(FILES), "/var/lib/etcd", "/etc/etcd", "/var/lib/etcdup"]) {
      assertEquals(exists(host, p), false, `${p} should be gone`);
    }
    assertEquals(await uninstall(root, "--purge"), 0, "idempotent");
  }));

Deno.test("uninstall --purge --root also removes the data dir and the PKI, --dry-run changes nothing", () =>
  inFakeMember(async ({ root, host }) => {
    assertEquals(await uninstall(root, "--purge", "--dry-run"), 0);
    assertEquals(
      exists(host, "/usr/local/bin/etcd") && exists(host, STATE_FILE),
      true,
      "dry run touched nothing",
    );
    assertEquals(await uninstall(root, "--purge"), 0);
    for (const p of [...Object.keys(FILES), "/var/lib/etcd", "/etc/etcd", "/var/lib/etcdup"]) {
      assertEquals(exists(host, p), false, `${p} should be gone`);
    }
    assertEquals(exists(host, "/usr/local/bin"), true, "directories etcdup did not create stay");
  }));
