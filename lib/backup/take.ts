/**
 * One backup: a snapshot of the local member over mutual TLS with the admin certificate, saved under a
 * hidden temp name, read back with `snapshot status` while its SHA-256 is computed, its record written, and
 * only then renamed to its final name; then retention prunes. A snapshot that cannot be read back is deleted
 * (exit 3). A kill at any instant leaves at most a temp file or a record without a snapshot, both removed by
 * the next backup; never a partial file under a final name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Output } from "../output.ts";
import { EtcdupError, Exit } from "../errors.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { snapshotStatus, takeSnapshot } from "../daytwo/snapshot.ts";
import { type HostRoot, syncDir } from "../host/fs.ts";
import type { InstallState } from "../host/state.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { parseSnapshotName, snapshotFileName, tempFileName } from "./names.ts";
import { retain, type RetentionPolicy } from "./retention.ts";
import { encryptFile } from "./age.ts";
import {
  BACKUP_DIR_OWNER,
  listSnapshots,
  removeLeftovers,
  removeSnapshot,
  SNAPSHOT_OWNER,
  type SnapshotRecord,
  type StoredSnapshot,
  withBackupLock,
  writeRecord,
} from "./store.ts";

/** What one backup did. */
export interface BackupOutcome {
  /** The snapshot taken. */
  snapshot: StoredSnapshot & { record: SnapshotRecord };
  /** Snapshot files retention removed (target paths). */
  pruned: string[];
  /** Leftovers of interrupted runs removed (names). */
  cleaned: string[];
}

/**
 * Saves, reads back and hashes a snapshot into `dir`; returns it under its final name. With `recipients`
 * the plaintext, once read back, is age-encrypted to them (`.db.age`) and only the ciphertext is kept; the
 * record's digest is of the ciphertext, the plaintext's beside it.
 */
async function snapshotInto(
  host: HostRoot,
  state: InstallState,
  dir: string,
  now: Date,
  recipients: string[] = [],
): Promise<StoredSnapshot & { record: SnapshotRecord }> {
  const file = snapshotFileName(now, state.name, state.version, recipients.length > 0);
  if (!parseSnapshotName(file)) {
    // a hand-edited state record: its name would climb out of the backup dir ("../../etc/cron.d/x")
    throw new EtcdupError({
      code: "state-unreadable",
      message: `the state record names this member ${JSON.stringify(state.name)} with etcd ${
        JSON.stringify(state.version)
      }: not a member name and version etcdup records, so no snapshot file name`,
      hint:
        "Move /var/lib/etcdup/state.json aside and re-run 'etcdup install' with the same flags to rebuild it.",
      exit: Exit.precondition,
    });
  }
  const final = path.join(dir, file);
  const temp = path.join(dir, tempFileName(path.basename(final).replace(/\.age$/, "")));
  const sealedTemp = path.join(dir, tempFileName(path.basename(final)));
  const realBin = host.resolve(state.binDir);
  try {
    return await saveVerified(host, state, dir, final, { temp, sealedTemp, recipients }, realBin, now);
  } catch (err) {
    throw diskFull(err, host.resolve(dir)) ?? err;
  } finally {
    host.remove(temp);
    host.remove(`${temp}.part`);
    host.remove(sealedTemp);
  }
}

/**
 * `backup-disk-full` (exit 1) when `err` is a full disk or quota in the backup directory `realDir`, from
 * etcdctl (its words) or from etcdup's own writes (ENOSPC, EDQUOT); else undefined.
 */
function diskFull(err: unknown, realDir: string): EtcdupError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const text = String((err as Error).message);
  const full = code === "ENOSPC" || code === "EDQUOT" ||
    /no space left on device|disk quota exceeded|os error (28|122)\b/i.test(text);
  if (!full) return undefined;
  return new EtcdupError({
    code: "backup-disk-full",
    message: `no space left for the snapshot in ${realDir}: ${text.split("\n").pop()}`,
    hint:
      "Nothing partial was kept and older snapshots are untouched. Free space there (fewer --keep-* snapshots, or another --dir), then retry.",
    exit: Exit.failure,
    cause: err,
  });
}

/**
 * The body of {@link snapshotInto}: save to `temp`, read back and hash, encrypt to `sealedTemp` when there
 * are recipients, write the record, rename to `final`.
 */
async function saveVerified(
  host: HostRoot,
  state: InstallState,
  dir: string,
  final: string,
  tmp: { temp: string; sealedTemp: string; recipients: string[] },
  realBin: string,
  now: Date,
): Promise<StoredSnapshot & { record: SnapshotRecord }> {
  const { temp, sealedTemp, recipients } = tmp;
  await takeSnapshot(
    realBin,
    adminClient(host, state),
    host.resolve(temp),
    "etcd must be running and healthy; check 'etcdup status' and 'journalctl -u etcd'.",
  );
  host.setOwnership(temp, SNAPSHOT_OWNER);
  const [read, sha256] = await Promise.all([
    snapshotStatus(
      realBin,
      host.resolve(temp),
      "The unreadable snapshot was deleted; older snapshots are untouched. Check free space and etcd's health, then retry.",
    ),
    sha256FileAsync(host.resolve(temp)),
  ]);
  const sealed = recipients.length > 0
    ? await encryptFile(host.resolve(temp), host.resolve(sealedTemp), recipients)
    : undefined;
  const record: SnapshotRecord = {
    schema: 1,
    file: path.basename(final),
    sha256: sealed?.sha256 ?? sha256,
    ...(sealed ? { encrypted: true as const, plainSha256: sha256 } : {}),
    size: sealed?.size ?? host.stat(temp)?.size ?? 0,
    status: read.status,
    verifiedWith: read.verifiedWith,
    member: state.name,
    etcdVersion: state.version,
    takenAt: now.toISOString(),
  };
  writeRecord(host, final, record);
  fs.renameSync(host.resolve(sealed ? sealedTemp : temp), host.resolve(final));
  syncDir(host.resolve(dir));
  return { ...parseSnapshotName(path.basename(final))!, path: final, size: record.size, record };
}

/**
 * Takes a backup of the member `state` describes into `dir` (target path; created root 0700) and prunes by
 * `policy`. Only this member's etcdup-named snapshots with etcdup's record count or are removed; the one just
 * taken is always kept.
 */
export async function takeBackup(
  host: HostRoot,
  state: InstallState,
  opts: { dir: string; policy: RetentionPolicy; now?: Date; recipients?: string[] },
  out: Output,
): Promise<BackupOutcome> {
  host.ensureDir(opts.dir, BACKUP_DIR_OWNER);
  return await withBackupLock(host, opts.dir, async () => {
    const cleaned = removeLeftovers(host, opts.dir);
    if (cleaned.length > 0) out.info(`removed leftovers of an interrupted backup: ${cleaned.join(", ")}`);
    const snapshot = await snapshotInto(host, state, opts.dir, opts.now ?? new Date(), opts.recipients);
    out.step(
      `saved ${snapshot.path} (revision ${snapshot.record.status.revision}, ${snapshot.record.status.totalKey} keys, sha256 ${
        snapshot.record.sha256.slice(0, 12)
      }...)`,
    );
    // only what this member's etcdup wrote: its name and etcdup's record naming this member (a shared dir or
    // a snapshot copied here with its record holds other members' snapshots, never pruned here)
    const candidates = listSnapshots(host, opts.dir).filter((s) =>
      s.member === state.name && s.record?.member === state.name
    );
    const { prune } = retain(candidates, opts.policy);
    const pruned = prune.filter((s) => s.path !== snapshot.path).map((s) => s.path);
    for (const p of pruned) removeSnapshot(host, p);
    if (pruned.length > 0) out.step(`retention removed ${pruned.length} older snapshot(s)`);
    return { snapshot, pruned, cleaned };
  });
}
