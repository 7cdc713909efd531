/**
 * Real snapshot files for the backup tests, taken from a loopback etcd (the `sid` fixture, 3.5), and a
 * --root tree whose installed member is such a loopback etcd, for real backups into it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { writeState } from "../../lib/host/state.ts";
import type { InstallState } from "../../lib/state_record.ts";
import { snapshotFileName } from "../../lib/backup/names.ts";
import { type SnapshotRecord, writeRecord } from "../../lib/backup/store.ts";
import { execOk } from "../support/exec.ts";
import { type LocalCluster, type LocalMember, startLocalCluster } from "../cluster/local_cluster.ts";
import { memberState } from "../daytwo/fixtures.ts";

/** The backup directory of {@link backupTree}. */
export const BACKUP_DIR = "/var/backups/etcd";

/**
 * Makes `root` a tree where etcdup installed `member` of `c` (default the first, as `n1`): its etcdctl/etcdutl
 * in /usr/local/bin, its CA and admin pair in /etc/etcd/pki, the state record naming its client URL (and
 * its name, when given), and an empty backup directory.
 */
export function backupTree(
  c: LocalCluster,
  root: string,
  member?: LocalMember,
): { host: HostRoot; state: InstallState } {
  const host = new HostRoot(root);
  const state = memberState(
    {},
    member ? { clientUrls: [member.clientUrl], name: member.name } : { clientUrls: [c.members[0].clientUrl] },
  );
  for (const d of ["/usr/local/bin", "/etc/etcd/pki", "/var/lib/etcdup", BACKUP_DIR]) {
    host.ensureDir(d, { uid: 0, gid: 0, mode: 0o700 });
  }
  for (const tool of ["etcdctl", "etcdutl"]) {
    fs.copyFileSync(path.join(path.dirname(c.etcdctlBin), tool), host.resolve(`/usr/local/bin/${tool}`));
    fs.chmodSync(host.resolve(`/usr/local/bin/${tool}`), 0o755);
  }
  for (
    const [src, dst] of [[c.tls.caFile, "ca.crt"], [c.tls.certFile, "admin.crt"], [
      c.tls.keyFile,
      "admin.key",
    ]]
  ) {
    fs.copyFileSync(src, host.resolve(`/etc/etcd/pki/${dst}`));
  }
  writeState(host, state);
  return { host, state };
}

/** etcdup's record of a crafted snapshot `file` of `member` (etcd v3.5.30) taken at `at`: 8 bytes, digest zeros. */
export function craftedRecord(file: string, member: string, at: Date): SnapshotRecord {
  return {
    schema: 1,
    file,
    sha256: "0".repeat(64),
    size: 8,
    status: { hash: 1, revision: 2, totalKey: 3, totalSize: 8 },
    verifiedWith: "etcdutl",
    member,
    etcdVersion: "v3.5.30",
    takenAt: at.toISOString(),
  };
}

/**
 * A crafted snapshot of `member` taken at `at` in {@link BACKUP_DIR} of `host` (8 bytes), with etcdup's record
 * beside it unless `record` is false; returns its target path.
 */
export function craftSnapshot(host: HostRoot, member: string, at: Date, record = true): string {
  const file = snapshotFileName(at, member, "v3.5.30");
  const p = `${BACKUP_DIR}/${file}`;
  host.writeAtomic(p, "snapshot", { uid: 0, gid: 0, mode: 0o600 });
  if (record) writeRecord(host, p, craftedRecord(file, member, at));
  return p;
}

export /** A snapshot file of a one-member loopback etcd holding keys k1..k3, in `dir`. */
async function realSnapshot(dir: string): Promise<string> {
  const c = await startLocalCluster(1);
  try {
    const base = [
      c.etcdctlBin,
      `--endpoints=${c.members[0].clientUrl}`,
      `--cacert=${c.tls.caFile}`,
      `--cert=${c.tls.certFile}`,
      `--key=${c.tls.keyFile}`,
    ];
    for (const k of ["k1", "k2", "k3"]) await execOk([...base, "put", k, `v-${k}`]);
    const file = path.join(dir, "snap.db");
    await execOk([...base, "snapshot", "save", file]);
    return file;
  } finally {
    await c.close();
  }
}
