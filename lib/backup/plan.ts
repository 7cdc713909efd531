/**
 * Backup's plan: what one `etcdup backup` does, decided from what was observed (lib/backup/observed.ts) and
 * the options alone, as one value that `--dry-run` renders (lib/backup/view.ts) and the run carries out
 * (lib/backup/take.ts): the snapshot's name and path, whether it is encrypted and uploaded, the leftovers
 * removed first, and which of this member's snapshots retention keeps and prunes, each with its reason.
 * Pure: data in, data out.
 */
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import type { BackupObserved } from "./observed.ts";
import { parseSnapshotName, snapshotFileName } from "./names.ts";
import { retain, type RetentionPolicy } from "./retention.ts";

/** What the options and the offsite settings (given or recorded) ask of this run. */
export interface BackupSettings {
  policy: RetentionPolicy;
  /** age recipients: encrypt the snapshot to them (none: plaintext). */
  recipients: readonly string[];
  /** The bucket URL the snapshot also goes to (the leader's only), if any. */
  uploadTo?: string;
  /** Whether the run records the offsite settings it was given, for the timer's later runs. */
  recordOffsite: boolean;
  /** The node_exporter textfile written afterwards, if any. */
  prometheus?: string;
}

/** One snapshot of the backup directory and what retention does with it, and why. */
export interface RetentionEntry {
  /** Target path of the snapshot file. */
  path: string;
  reason: string;
}

/** Everything one backup run does. */
export interface BackupPlan {
  /** The backup directory (target path), and whether the run creates it (root 0700). */
  dir: string;
  createDir: boolean;
  /** Leftovers of interrupted runs removed first (names). */
  leftovers: string[];
  /** The snapshot taken: its file name, target path, time and whether it is age-encrypted. */
  snapshot: { file: string; path: string; takenAt: string; encrypted: boolean };
  recipients: readonly string[];
  uploadTo?: string;
  recordOffsite: boolean;
  prometheus?: string;
  policy: RetentionPolicy;
  /** This member's snapshots retention keeps, the new one counted (it is the newest), newest first. */
  keep: RetentionEntry[];
  /** Those it removes, newest first: exactly what the run prunes. */
  prune: RetentionEntry[];
  /** Snapshots retention never looks at: other members' and those without etcdup's record. */
  untouched: RetentionEntry[];
  /** Free bytes on the backup dir's filesystem and the member's quota (the snapshot is at most that). */
  space: { freeBytes?: number; quotaBytes: number; tight: boolean };
}

/** The new snapshot's file name for `state` at `now`; refuses a state record whose names make none. */
function newSnapshotFile(state: BackupObserved["state"], now: Date, encrypted: boolean): string {
  const file = snapshotFileName(now, state.name, state.version, encrypted);
  if (parseSnapshotName(file)) return file;
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

/** The policy in the flags' words, for a prune's reason. */
function policyWords(p: RetentionPolicy): string {
  return `--keep-hourly ${p.hourly} --keep-daily ${p.daily} --keep-weekly ${p.weekly}`;
}

/**
 * Plans a backup at `now`. Only this member's etcdup-named snapshots with etcdup's record naming this member
 * count for retention or are removed (a shared dir, or a snapshot copied here with its record, holds other
 * members' snapshots, never pruned here); the one taken now counts as the newest, so it is always kept.
 */
export function planBackup(observed: BackupObserved, settings: BackupSettings, now: Date): BackupPlan {
  const { state, dir } = observed;
  const encrypted = settings.recipients.length > 0;
  const file = newSnapshotFile(state, now, encrypted);
  const snapshot = { file, path: path.posix.join(dir, file), takenAt: now.toISOString(), encrypted };
  const own = (s: BackupObserved["snapshots"][number]) =>
    s.member === state.name && s.record?.member === state.name;
  const candidates = [
    ...observed.snapshots.filter(own).map((s) => ({ path: s.path, time: s.time })),
    { path: snapshot.path, time: now },
  ];
  const { keep, prune, why } = retain(candidates, settings.policy);
  const untouched = observed.snapshots.filter((s) => !own(s)).map((s) => ({
    path: s.path,
    reason: s.member !== state.name || (s.record && s.record.member !== state.name)
      ? `another member's (${s.record?.member ?? s.member})`
      : `not etcdup's record: ${s.recordProblem ?? "none"}`,
  }));
  const { freeBytes, quotaBytes } = observed;
  return {
    dir,
    createDir: !observed.dirExists,
    leftovers: observed.leftovers,
    snapshot,
    recipients: settings.recipients,
    ...(settings.uploadTo ? { uploadTo: settings.uploadTo } : {}),
    recordOffsite: settings.recordOffsite,
    ...(settings.prometheus ? { prometheus: settings.prometheus } : {}),
    policy: settings.policy,
    keep: keep.map((s) => ({ path: s.path, reason: s.path === snapshot.path ? "taken now" : why.get(s)! })),
    prune: prune.map((s) => ({
      path: s.path,
      reason: `not the newest of an hour, day or week ${policyWords(settings.policy)} keep`,
    })),
    untouched,
    space: {
      ...(freeBytes === undefined ? {} : { freeBytes }),
      quotaBytes,
      tight: freeBytes !== undefined && freeBytes < quotaBytes,
    },
  };
}
