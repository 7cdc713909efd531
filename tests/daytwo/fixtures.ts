/**
 * The day-two tests' member: one etcd config, the state record etcdup would write for it, and a fake
 * installation (files written under a temp root and recorded with their hashes) to upgrade or uninstall.
 */
import * as path from "node:path";
import type { EtcdConfig } from "../../lib/etcd/env.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { writeState } from "../../lib/host/state.ts";
import type { InstallState } from "../../lib/state_record.ts";
import type { OwnedFile } from "../../lib/files.ts";
import { inTempDir } from "../release/helpers.ts";

/** The env file etcdup owns and the operator's override file. */
export const ENV_FILES = { envFile: "/etc/default/etcd", envLocalFile: "/etc/default/etcd.local" };

/** A single member at 10.0.0.1 with etcdup's default paths. */
export const MEMBER: EtcdConfig = {
  name: "n1",
  dataDir: "/var/lib/etcd",
  listenClientUrls: ["https://10.0.0.1:2379", "https://127.0.0.1:2379"],
  advertiseClientUrls: ["https://10.0.0.1:2379"],
  listenPeerUrls: ["https://10.0.0.1:2380"],
  advertisePeerUrls: ["https://10.0.0.1:2380"],
  listenMetricsUrls: ["http://127.0.0.1:2381"],
  initialCluster: "n1=https://10.0.0.1:2380",
  initialClusterState: "new",
  initialClusterToken: "tok",
  caFile: "/etc/etcd/pki/ca.crt",
  serverCert: "/etc/etcd/pki/server.crt",
  serverKey: "/etc/etcd/pki/server.key",
  peerCert: "/etc/etcd/pki/peer.crt",
  peerKey: "/etc/etcd/pki/peer.key",
  compactionRetention: "1h",
  quotaBackendBytes: 2147483648,
  heartbeatMs: 100,
  electionMs: 1000,
};

/**
 * The state record of {@link MEMBER} installed as etcd v3.5.30 with `files`; `over` replaces fields.
 * @example memberState({}, { version: "v3.4.23" }).version // "v3.4.23"
 */
export function memberState(
  files: Record<string, OwnedFile>,
  over: Partial<InstallState> = {},
): InstallState {
  return {
    schema: 1,
    version: "v3.5.30",
    arch: "amd64",
    binDir: "/usr/local/bin",
    dataDir: MEMBER.dataDir,
    pkiDir: "/etc/etcd/pki",
    layout: "etcd",
    keyAlgorithm: "ecdsa-p256",
    name: MEMBER.name,
    clientUrls: MEMBER.advertiseClientUrls,
    peerUrls: MEMBER.advertisePeerUrls,
    sans: { dns: ["localhost"], ips: ["127.0.0.1"] },
    initialCluster: MEMBER.initialCluster,
    initialClusterState: "new",
    clusterToken: MEMBER.initialClusterToken,
    unit: "etcd.service",
    files,
    dirs: ["/etc/etcd", "/etc/etcd/pki", "/var/lib/etcd"],
    updatedAt: "2026-11-25T00:00:00.000Z",
    ...over,
  };
}

/**
 * Runs `fn` on a fresh temp root where etcdup seems to have installed {@link MEMBER}: each of `files`
 * (target path -> [content, mode]) written root-owned and recorded, and the state record written with
 * `over`. The root is removed afterwards, whatever happens.
 */
export function inFakeInstall(
  files: Record<string, [string, number]>,
  over: Partial<InstallState>,
  fn: (tree: { root: string; host: HostRoot }) => Promise<void>,
): Promise<void> {
  return inTempDir(async (root) => {
    const host = new HostRoot(root);
    const recorded: Record<string, OwnedFile> = {};
    for (const [p, [content, mode]] of Object.entries(files)) {
      host.ensureDir(path.dirname(p), { uid: 0, gid: 0, mode: 0o755 });
      host.writeAtomic(p, content, { uid: 0, gid: 0, mode });
      recorded[p] = { sha256: sha256Hex(content), uid: 0, gid: 0, mode };
    }
    writeState(host, memberState(recorded, over));
    await fn({ root, host });
  }, "etcdup-daytwo-");
}

/** The files of a fake installation of {@link MEMBER} (target path -> [content, mode]). */
export const INSTALLED_FILES: Record<string, [string, number]> = {
  "/usr/local/bin/etcd": ["etcd binary", 0o755],
  "/usr/local/bin/etcdctl": ["etcdctl binary", 0o755],
  "/etc/default/etcd": ["ETCD_NAME=n1\n", 0o644],
  "/etc/profile.d/etcdctl.sh": ["export ETCDCTL_API=3\n", 0o644],
  "/etc/systemd/system/etcd.service": ["[Unit]\n", 0o644],
  "/etc/etcd/pki/ca.crt": ["ca", 0o644],
  "/etc/etcd/pki/server.key": ["key", 0o600],
};

/** Runs `fn` on a fake installation of {@link INSTALLED_FILES} whose data dir holds keys. */
export function inFakeMember(fn: (tree: { root: string; host: HostRoot }) => Promise<void>): Promise<void> {
  return inFakeInstall(INSTALLED_FILES, {}, async (tree) => {
    tree.host.ensureDir("/var/lib/etcd/member", { uid: 0, gid: 0, mode: 0o700 });
    tree.host.writeAtomic("/var/lib/etcd/member/db", "keys", { uid: 0, gid: 0, mode: 0o600 });
    await fn(tree);
  });
}

/** Whether the release binaries of the tests (amd64) run here; says why not when they do not. */
export function amd64Host(): boolean {
  if (Deno.build.arch === "x86_64") return true;
  console.warn("skipped: the test releases are amd64 and their etcd --version must run here");
  return false;
}
