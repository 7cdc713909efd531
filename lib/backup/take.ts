/**
 * One backup: a snapshot of the local member over mutual TLS with the admin certificate, saved under a
 * hidden temp name (with recipients, encrypted as it is written), read back with `snapshot status` while its
 * SHA-256 is computed, its record written, and only then renamed to its final name; then retention prunes
 * what the plan (lib/backup/plan.ts) names. A snapshot that cannot be read back is deleted (exit 3). A kill
 * at any instant leaves at most a temp file or a record without a snapshot, both removed by the next backup;
 * never a partial file under a final name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Output } from "../output.ts";
import { EtcdupError, Exit } from "../errors.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { snapshotStatus, takeSnapshot } from "../daytwo/snapshot.ts";
import { type HostRoot, syncDir } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { parseSnapshotName, tempFileName } from "./names.ts";
import type { BackupPlan } from "./plan.ts";
import { encryptFile } from "./age.ts";
import type { AgeCli } from "../host/age_cli.ts";
import {
  BACKUP_DIR_OWNER,
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

/** Which age implementation encrypts (with recipients): the age binary found, or undefined for the built-in. */
export interface Encryption {
  cli?: AgeCli;
}

/**
 * Saves, reads back and hashes the snapshot `plan` names; returns it under its final name. With the plan's
 * recipients the plaintext is age-encrypted to them (`.db.age`) and only the ciphertext is kept, once the
 * plaintext was read back; the record's digest is of the ciphertext, the plaintext's beside it.
 */
async function snapshotInto(
  host: HostRoot,
  state: InstallState,
  plan: BackupPlan,
  encryption: Encryption,
): Promise<StoredSnapshot & { record: SnapshotRecord }> {
  const { dir } = plan;
  const final = plan.snapshot.path;
  const temp = path.join(dir, tempFileName(path.basename(final).replace(/\.age$/, "")));
  const sealedTemp = path.join(dir, tempFileName(path.basename(final)));
  const recipients = [...plan.recipients];
  const realBin = host.resolve(state.binDir);
  try {
    return await saveVerified(
      host,
      state,
      dir,
      final,
      { temp, sealedTemp, recipients, cli: encryption.cli },
      realBin,
      new Date(plan.snapshot.takenAt),
    );
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
 * The body of {@link snapshotInto}: save to `temp`, read back and hash, write the record, rename to `final`.
 * With recipients the encryption into `sealedTemp` starts with the save, following etcdctl's file as it
 * grows, so its time overlaps the save and the read-back instead of adding to them. It is speculative:
 * the ciphertext is only renamed into place once `snapshot status` read the plaintext back and the plaintext
 * encrypted has the digest of the file read back; on any failure the encryption is stopped and its
 * output removed.
 */
async function saveVerified(
  host: HostRoot,
  state: InstallState,
  dir: string,
  final: string,
  tmp: { temp: string; sealedTemp: string; recipients: string[]; cli?: AgeCli },
  realBin: string,
  now: Date,
): Promise<StoredSnapshot & { record: SnapshotRecord }> {
  const { temp, sealedTemp, recipients } = tmp;
  const saving = takeSnapshot(
    realBin,
    adminClient(host, state),
    host.resolve(temp),
    "etcd must be running and healthy; check 'etcdup status' and 'journalctl -u etcd'.",
  );
  const stop = new AbortController();
  const sealing = recipients.length > 0
    ? encryptFile(host.resolve(temp), host.resolve(sealedTemp), recipients, {
      part: host.resolve(`${temp}.part`),
      written: saving,
      signal: stop.signal,
    }, tmp.cli)
    : undefined;
  // Awaited once the snapshot is read back; an encryption that fails before (a full disk) is not unhandled.
  sealing?.catch(() => {});
  try {
    await saving;
    host.setOwnership(temp, SNAPSHOT_OWNER);
    const [read, sha256] = await Promise.all([
      snapshotStatus(
        realBin,
        host.resolve(temp),
        "The unreadable snapshot was deleted; older snapshots are untouched. Check free space and etcd's health, then retry.",
      ),
      sha256FileAsync(host.resolve(temp)),
    ]);
    const sealed = await sealing;
    if (sealed && sealed.plain.sha256 !== sha256) {
      throw new EtcdupError({
        code: "snapshot-unverified",
        message:
          `the snapshot encrypted (SHA-256 ${sealed.plain.sha256}) is not the one read back (${sha256}); nothing was kept`,
        hint: "Nothing may write to a snapshot while it is taken; retry the backup.",
        exit: Exit.verification,
      });
    }
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
  } catch (err) {
    stop.abort();
    await Promise.allSettled([saving, sealing]);
    throw err;
  }
}

/**
 * Carries out the backup `plan` (lib/backup/plan.ts) of the member `state` describes: the backup dir made
 * (root 0700) if missing, under its lock the leftovers of interrupted runs removed, the snapshot taken, and
 * exactly the snapshots the plan prunes removed.
 */
export async function takeBackup(
  host: HostRoot,
  state: InstallState,
  plan: BackupPlan,
  out: Output,
  encryption: Encryption = {},
): Promise<BackupOutcome> {
  host.ensureDir(plan.dir, BACKUP_DIR_OWNER);
  return await withBackupLock(host, plan.dir, async () => {
    const cleaned = removeLeftovers(host, plan.dir);
    if (cleaned.length > 0) out.info(`removed leftovers of an interrupted backup: ${cleaned.join(", ")}`);
    const snapshot = await snapshotInto(host, state, plan, encryption);
    out.step(
      `saved ${snapshot.path} (revision ${snapshot.record.status.revision}, ${snapshot.record.status.totalKey} keys, sha256 ${
        snapshot.record.sha256.slice(0, 12)
      }...)`,
    );
    const pruned = plan.prune.map((p) => p.path);
    for (const p of pruned) removeSnapshot(host, p);
    if (pruned.length > 0) out.step(`retention removed ${pruned.length} older snapshot(s)`);
    return { snapshot, pruned, cleaned };
  });
}
