/**
 * How etcdup names its snapshot files, so it finds its own and never touches anything else in the backup
 * directory: `etcdup-<UTC time>-<member>-<etcd version>.db`, e.g.
 * `etcdup-20261201T220000.123Z-etcd-a-v3.5.30.db` (`.db.age` when encrypted with `--encrypt-to`), with its
 * record beside it as `<name>.json`. Pure.
 */
import { checkDir, checkDisjoint, checkLeads, DEFAULT_BACKUP_DIR, installedDirs } from "../plan/dirs.ts";
import type { HostRoot } from "../host/fs.ts";

/**
 * The backup directory `--dir` names (target path), or the default: a directory etcdup may take for
 * backups (lib/plan/dirs.ts), apart from the directories the install recorded, also where symlinks on
 * `host` lead (a link to /etc or to the data dir is refused); else a usage error.
 */
export function backupDir(
  host: HostRoot,
  values: Record<string, unknown>,
  state?: { dataDir: string; walDir?: string; binDir: string; pkiDir: string },
): string {
  const dir = typeof values.dir === "string" ? checkDir("dir", "backup", values.dir) : DEFAULT_BACKUP_DIR;
  const dirs = [{ flag: "dir", role: "backup" as const, path: dir }, ...(state ? installedDirs(state) : [])];
  checkDisjoint(dirs);
  checkLeads(dirs, (p) => host.target(p));
  return dir;
}

/** Suffix of the record beside each snapshot. */
export const RECORD_SUFFIX = ".json";

/** A snapshot file name, read back. */
export interface SnapshotName {
  /** The file name (no directory). */
  file: string;
  /** When the snapshot was taken (UTC, millisecond precision). */
  time: Date;
  member: string;
  /** etcd version of the member that served it, e.g. "v3.5.30". */
  version: string;
  /** Set when the file is age-encrypted (`.db.age`). */
  encrypted?: true;
}

const NAME =
  /^etcdup-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\.(\d{3})Z-([A-Za-z0-9][A-Za-z0-9._-]{0,62})-(v\d+\.\d+\.\d+)\.db(\.age)?$/;

/**
 * The file name of a snapshot of `member` (etcd `version`) taken at `time`.
 * @example snapshotFileName(new Date("2026-12-01T22:00:00.123Z"), "etcd-a", "v3.5.30")
 * // "etcdup-20261201T220000.123Z-etcd-a-v3.5.30.db"
 */
export function snapshotFileName(time: Date, member: string, version: string, encrypted = false): string {
  const stamp = time.toISOString().replace(/[-:]/g, "");
  return `etcdup-${stamp}-${member}-${version}.db${encrypted ? ".age" : ""}`;
}

/**
 * Reads an etcdup snapshot file name; undefined for any other name (temp files, records, foreign files).
 * @example parseSnapshotName("etcdup-20261201T220000.123Z-etcd-a-v3.5.30.db")?.member // "etcd-a"
 */
export function parseSnapshotName(file: string): SnapshotName | undefined {
  const m = NAME.exec(file);
  if (!m) return undefined;
  const time = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  const encrypted = m[10] !== undefined;
  if (Number.isNaN(time.getTime()) || snapshotFileName(time, m[8], m[9], encrypted) !== file) {
    return undefined;
  }
  return { file, time, member: m[8], version: m[9], ...(encrypted ? { encrypted: true as const } : {}) };
}

/** The hidden temp name a snapshot is written under until it was read back. */
export function tempFileName(final: string): string {
  return `.${final}.etcdup-partial`;
}

/** Whether `file` is one of etcdup's temp names (etcdctl adds `.part` to it while saving). */
export function isTempFileName(file: string): boolean {
  return /^\.etcdup-.*\.db(\.age)?\.etcdup-partial(\.part)?$/.test(file);
}
