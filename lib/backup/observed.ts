/**
 * What the observe step (lib/observe/backup.ts, lib/observe/restore.ts) reads of the host for `backup` and
 * `restore`, as plain data: the pure plans (lib/backup/plan.ts, lib/backup/restore_plan.ts) are functions of
 * it, so the dry run and the run decide alike.
 */
import type { ErrorInit } from "../errors.ts";
import type { InstallState } from "../state_record.ts";
import type { SnapshotRecord, StoredSnapshot } from "./store.ts";
import type { RestoreMarker } from "./marker.ts";

/** The backup directory and its filesystem, as they are before a backup. */
export interface BackupObserved {
  /** The member the state record names. */
  state: InstallState;
  /** The backup directory (target path). */
  dir: string;
  /** Whether it exists (the run creates it root 0700). */
  dirExists: boolean;
  /** etcdup's snapshots in it, newest first, each with its record or why it has none. */
  snapshots: StoredSnapshot[];
  /** What interrupted runs left there (names), removed before the snapshot is taken. */
  leftovers: string[];
  /** Bytes root may still write on its filesystem (its nearest existing parent's); undefined: unknown. */
  freeBytes: number | undefined;
  /** The quota this member runs with: the database, and so the snapshot, is at most this large. */
  quotaBytes: number;
}

/** A snapshot file named on the command line, as it is: a read, so the dry run may make it too. */
export interface ObservedSnapshotFile {
  /** Real path as named (`path.resolve` of the argument). */
  file: string;
  /** Age-encrypted (`.age`): the run decrypts it with `--identity` first. */
  encrypted: boolean;
  /** Why it is no snapshot file (missing, not a regular file); undefined: a regular file. */
  missing?: string;
  /** Its SHA-256, computed now (a regular file only). */
  sha256?: string;
  /** The record beside it, or why there is none. */
  record?: SnapshotRecord;
  recordProblem?: string;
  /** The dry run, an encrypted file with `--identity`: whether its age header opens with the identity. */
  header?: AgeHeaderCheck;
}

/**
 * An age header read with the `--identity` (the dry run's read of its first bytes): it opens, or the refusal
 * the run's decryption would give (`age-wrong-identity`, `age-decrypt-failed` for what is no age file).
 */
export type AgeHeaderCheck = { opens: true } | { opens: false; refusal: ErrorInit };

/** The snapshot object a restore from a bucket fetches, as the dry run read it: its record and first bytes. */
export interface ObservedRemoteSnapshot {
  /** `s3://BUCKET/KEY`. */
  url: string;
  size: number;
  /** An age file (`.age`): the run decrypts it with `--identity` after the download. */
  encrypted: boolean;
  /** The SHA-256 its record object gives: what the download must hash to. */
  recordSha256: string;
  /** Encrypted: whether its header opens with the identity. */
  header?: AgeHeaderCheck;
}

/**
 * What `restore` restores from: a local file (with the `--identity` read when it is encrypted), or a bucket
 * (its object observed by the dry run; the run fetches it).
 */
export type RestoreSource =
  | { kind: "file"; snapshot: ObservedSnapshotFile; identities?: string[] }
  | { kind: "s3"; url: string | undefined; latest: boolean; remote?: ObservedRemoteSnapshot };

/** The member and its host before a restore. */
export interface RestoreObserved {
  state: InstallState;
  source: RestoreSource;
  /** The marker of an unfinished restore, if any. */
  pending: RestoreMarker | undefined;
  /** Whether the data dir exists (it is moved aside, never deleted). */
  dataDirExists: boolean;
  /** Whether etcd's unit runs (then stopped for the swap) and whether units are started at all (not --root). */
  unit: { live: boolean; active: boolean };
}
