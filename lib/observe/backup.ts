/**
 * `backup`'s observation: every host read its plan needs, made once before anything is decided
 * (lib/backup/observed.ts's {@link BackupObserved}): the backup directory's snapshots and their records,
 * what interrupted runs left there, the free space on its filesystem and the member's quota. The offsite
 * settings (recorded or given) are read by lib/offsite/recorded.ts. And `backup list`'s: each snapshot with
 * its digest computed now (lib/backup/list_view.ts's {@link LocalListObserved}), or with `--remote` the
 * bucket's snapshot objects ({@link RemoteListObserved}).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import type { BackupObserved } from "../backup/observed.ts";
import type { LocalListObserved, RemoteListObserved } from "../backup/list_view.ts";
import { findLeftovers, listSnapshots } from "../backup/store.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { usageError } from "../errors.ts";
import { readOffsite } from "../offsite/recorded.ts";
import { openRemote, remoteSettings, type S3Options } from "../offsite/remote.ts";
import { listRemoteSnapshots } from "../offsite/remote_snapshots.ts";
import { localQuota } from "./maintain.ts";

/** Bytes root may write on the filesystem holding `dir` (target path) or its nearest existing parent. */
function freeBytes(host: HostRoot, dir: string): number | undefined {
  for (let d = dir;; d = path.posix.dirname(d)) {
    if (host.exists(d)) {
      try {
        const st = fs.statfsSync(host.resolve(d));
        return st.bavail * st.bsize;
      } catch {
        return undefined;
      }
    }
    if (d === "/") return undefined;
  }
}

/** Observes the backup directory `dir` (target path) of the member `state` describes. */
export function observeBackup(host: HostRoot, state: InstallState, dir: string): BackupObserved {
  return {
    state,
    dir,
    dirExists: host.exists(dir),
    snapshots: listSnapshots(host, dir),
    leftovers: findLeftovers(host, dir),
    freeBytes: freeBytes(host, dir),
    quotaBytes: localQuota(host),
  };
}

/** Observes the backup directory `dir` (target path) for `backup list`: every snapshot, its SHA-256 read now. */
export async function observeBackupList(host: HostRoot, dir: string): Promise<LocalListObserved> {
  const now = new Date().toISOString();
  const snapshots = [];
  for (const s of listSnapshots(host, dir)) {
    snapshots.push({
      path: s.path,
      takenAt: s.time.toISOString(),
      member: s.member,
      etcdVersion: s.version,
      size: s.size,
      encrypted: s.encrypted === true,
      sha256: await sha256FileAsync(host.resolve(s.path)),
      ...(s.record
        ? {
          record: {
            sha256: s.record.sha256,
            revision: s.record.status.revision,
            keys: s.record.status.totalKey,
          },
        }
        : {}),
      ...(s.recordProblem ? { recordProblem: s.recordProblem } : {}),
    });
  }
  return { dir, realDir: host.resolve(dir), now, snapshots };
}

/**
 * Lists the bucket for `backup list --remote`: the `--upload` given, else the one the last backup recorded
 * (refused, `remote-not-configured`, when there is neither).
 */
export async function observeRemoteList(
  host: HostRoot,
  options: S3Options,
  env: Record<string, string | undefined>,
): Promise<RemoteListObserved> {
  const settings = remoteSettings(options) ?? readOffsite(host).remote;
  if (!settings) {
    throw usageError(
      "remote-not-configured",
      "backup list --remote: no --upload s3://BUCKET/PREFIX given and none recorded by a backup",
      "Give --upload s3://BUCKET/PREFIX (and --s3-endpoint, --s3-credentials as for backup).",
    );
  }
  const client = openRemote(settings, env);
  try {
    const found = await listRemoteSnapshots(client, parseSnapshotName);
    return {
      location: client.url(client.location.prefix),
      now: new Date().toISOString(),
      snapshots: found.map((s) => ({
        url: client.url(s.key),
        takenAt: s.info.time.toISOString(),
        member: s.info.member,
        etcdVersion: s.info.version,
        size: s.size,
        encrypted: s.info.encrypted === true,
        record: s.recordKey !== undefined,
      })),
    };
  } finally {
    await client.close();
  }
}
