/** `etcdup uninstall --root DIR` on a tree made by the test: what it removes, keeps and reports. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../main.ts";
import { HostRoot, sha256Hex } from "../../lib/host/fs.ts";
import { type InstallState, type OwnedFile, STATE_FILE, writeState } from "../../lib/host/state.ts";

const FILES: Record<string, [string, number]> = {
  "/usr/local/bin/etcd": ["etcd binary", 0o755],
  "/usr/local/bin/etcdctl": ["etcdctl binary", 0o755],
  "/etc/default/etcd": ["ETCD_NAME=n1\n", 0o644],
  "/etc/profile.d/etcdctl.sh": ["export ETCDCTL_API=3\n", 0o644],
  "/etc/systemd/system/etcd.service": ["[Unit]\n", 0o644],
  "/etc/etcd/pki/ca.crt": ["ca", 0o644],
  "/etc/etcd/pki/server.key": ["key", 0o600],
};

/** Writes the files and a state record for them under a fresh temp root. */
function fakeInstall(): { root: string; host: HostRoot } {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-uninstall-" });
  const host = new HostRoot(root);
  const files: Record<string, OwnedFile> = {};
  for (const [p, [content, mode]] of Object.entries(FILES)) {
    host.ensureDir(path.dirname(p), { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic(p, content, { uid: 0, gid: 0, mode });
    files[p] = { sha256: sha256Hex(content), uid: 0, gid: 0, mode };
  }
  host.ensureDir("/var/lib/etcd/member", { uid: 0, gid: 0, mode: 0o700 });
  host.writeAtomic("/var/lib/etcd/member/db", "keys", { uid: 0, gid: 0, mode: 0o600 });
  const state: InstallState = {
    schema: 1,
    version: "v3.5.30",
    arch: "amd64",
    binDir: "/usr/local/bin",
    dataDir: "/var/lib/etcd",
    pkiDir: "/etc/etcd/pki",
    layout: "etcd",
    keyAlgorithm: "ecdsa-p256",
    name: "n1",
    clientUrls: ["https://127.0.0.1:2379"],
    peerUrls: ["https://127.0.0.1:2380"],
    sans: { dns: [], ips: [] },
    initialCluster: "n1=https://127.0.0.1:2380",
    initialClusterState: "new",
    clusterToken: "t",
    unit: "etcd.service",
    files,
    dirs: ["/etc/etcd", "/etc/etcd/pki", "/var/lib/etcd"],
    updatedAt: new Date().toISOString(),
  };
  writeState(host, state);
  return { root, host };
}

const exists = (host: HostRoot, p: string) => host.stat(p) !== undefined;

Deno.test("uninstall --root removes etcdup's files, keeps the edited env file, the PKI and the data; re-run is a no-op", async () => {
  const { root, host } = fakeInstall();
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
    assertEquals(exists(host, "/var/lib/etcdup"), false, "an empty state dir is removed");
    assertEquals(await main(["uninstall", "--root", root, "--quiet"], {}), 0, "a second run is harmless");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("uninstall --purge --root also removes the data dir and the PKI, --dry-run changes nothing", async () => {
  const { root, host } = fakeInstall();
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
