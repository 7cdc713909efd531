/**
 * `etcdup upgrade --root DIR` against a tree made by the test and a real release fixture: files only (no
 * snapshot, no restart), the env file re-rendered for the new minor, old files kept in the backup dir, the
 * state record updated; and a refused path that touches nothing.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../main.ts";
import { type EtcdConfig, renderEnvFile } from "../../lib/etcd/env.ts";
import { HostRoot, sha256Hex } from "../../lib/host/fs.ts";
import { type InstallState, readState, writeState } from "../../lib/host/state.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";

const FILES = { envFile: "/etc/default/etcd", envLocalFile: "/etc/default/etcd.local" };
const CFG: EtcdConfig = {
  name: "n1",
  dataDir: "/var/lib/etcd",
  listenClientUrls: ["https://127.0.0.1:2379"],
  advertiseClientUrls: ["https://127.0.0.1:2379"],
  listenPeerUrls: ["https://127.0.0.1:2380"],
  advertisePeerUrls: ["https://127.0.0.1:2380"],
  listenMetricsUrls: ["http://127.0.0.1:2381"],
  initialCluster: "n1=https://127.0.0.1:2380",
  initialClusterState: "new",
  initialClusterToken: "tok",
  caFile: "/etc/etcd/pki/ca.crt",
  serverCert: "/etc/etcd/pki/server.crt",
  serverKey: "/etc/etcd/pki/server.key",
  peerCert: "/etc/etcd/pki/peer.crt",
  peerKey: "/etc/etcd/pki/peer.key",
};

/** A tree as if etcdup had installed etcd 3.4.23 there (fake binaries, real env file, state record). */
function fake34(): { root: string; host: HostRoot } {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-upgrade-" });
  const host = new HostRoot(root);
  const files: InstallState["files"] = {};
  const write = (p: string, content: string, mode: number) => {
    host.ensureDir(path.dirname(p), { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic(p, content, { uid: 0, gid: 0, mode });
    files[p] = { sha256: sha256Hex(content), uid: 0, gid: 0, mode };
  };
  write("/usr/local/bin/etcd", "etcd 3.4.23", 0o755);
  write("/usr/local/bin/etcdctl", "etcdctl 3.4.23", 0o755);
  write(FILES.envFile, renderEnvFile(CFG, "v3.4.23", FILES), 0o644);
  writeState(host, {
    schema: 1,
    version: "v3.4.23",
    arch: "amd64",
    binDir: "/usr/local/bin",
    dataDir: "/var/lib/etcd",
    pkiDir: "/etc/etcd/pki",
    layout: "etcd",
    keyAlgorithm: "ecdsa-p256",
    name: "n1",
    clientUrls: CFG.advertiseClientUrls,
    peerUrls: CFG.advertisePeerUrls,
    sans: { dns: [], ips: [] },
    initialCluster: CFG.initialCluster,
    initialClusterState: "new",
    clusterToken: "tok",
    unit: "etcd.service",
    files,
    dirs: [],
    updatedAt: new Date().toISOString(),
  });
  return { root, host };
}

Deno.test("upgrade --root: a skipped minor is refused and nothing changes", async () => {
  const { root, host } = fake34();
  try {
    const before = JSON.stringify(readState(host));
    assertEquals(await main(["upgrade", "--root", root, "--version", "v3.6.6", "--quiet"], {}), 7);
    assertEquals(JSON.stringify(readState(host)), before);
    assertEquals(host.stat("/var/lib/etcdup/backups"), undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("upgrade --root 3.4 -> 3.5: binaries swapped, env re-rendered, old files kept, state updated", async () => {
  if (Deno.build.arch !== "x86_64") {
    console.warn("skipped: the release fixtures are amd64 and etcd --version must run here");
    return;
  }
  const next = await etcdFixture("sid");
  const { root, host } = fake34();
  try {
    const code = await main(
      ["upgrade", "--root", root, "--tarball", next.tarball, "--sha256", next.sha256, "--quiet"],
      {},
    );
    assertEquals(code, 0);
    const state = readState(host)!;
    assertEquals(state.version, next.version);
    assertEquals(state.tarballSha256, next.sha256);
    assertEquals(host.stat("/usr/local/bin/etcdutl")?.isFile, true, "3.5 brings etcdutl");
    const env = host.readText(FILES.envFile)!;
    assertEquals(env, renderEnvFile(CFG, next.version, FILES));
    for (const p of ["/usr/local/bin/etcd", "/usr/local/bin/etcdutl", FILES.envFile]) {
      assertEquals(state.files[p]?.sha256, sha256Hex(host.read(p)!), `${p} recorded`);
    }
    const backups = fs.readdirSync(host.resolve("/var/lib/etcdup/backups"));
    assertEquals(backups.length, 1);
    assertMatch(backups[0], /^\d{8}T\d{6}Z-v3\.4\.23$/);
    const dir = `/var/lib/etcdup/backups/${backups[0]}`;
    assertEquals(host.readText(`${dir}/usr_local_bin_etcd`), "etcd 3.4.23");
    assertEquals(host.readText(`${dir}/etc_default_etcd`), renderEnvFile(CFG, "v3.4.23", FILES));
    assertEquals(host.stat(`${dir}/snapshot.db`), undefined, "no etcd runs under --root, so no snapshot");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
