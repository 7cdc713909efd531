/**
 * The backup directory on the host: etcdup's snapshot files (root 0600 in a root 0700 directory) with the
 * record beside each (`<name>.json`, root 0600: digest, revision, key count, sizes, member, etcd version),
 * listed by etcdup's naming only, so files etcdup did not write are never read, pruned or removed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import { type HostRoot, syncDir } from "../host/fs.ts";
import type { SnapshotStatus } from "../etcd/snapshot_status.ts";
import { isTempFileName, parseSnapshotName, RECORD_SUFFIX, type SnapshotName } from "./names.ts";

/** Owner and mode of snapshot files and their records. */
export const SNAPSHOT_OWNER = { uid: 0, gid: 0, mode: 0o600 } as const;
/** Owner and mode of the backup directory. */
export const BACKUP_DIR_OWNER = { uid: 0, gid: 0, mode: 0o700 } as const;

/** The record beside a snapshot file. */
export interface SnapshotRecord {
  schema: 1;
  /** The snapshot's file name. */
  file: string;
  /** Hex SHA-256 of the snapshot file (as stored: of the ciphertext when encrypted). */
  sha256: string;
  /** Set when the file is age-encrypted (`--encrypt-to`); the plaintext was read back before it was kept. */
  encrypted?: true;
  /** Hex SHA-256 of the plaintext snapshot, when encrypted. */
  plainSha256?: string;
  /** Size of the snapshot file in bytes. */
  size: number;
  /** What `snapshot status` read back. */
  status: SnapshotStatus;
  verifiedWith: "etcdutl" | "etcdctl";
  member: string;
  /** The etcd version etcdup installed on the member (its state record). */
  etcdVersion: string;
  /** ISO time the snapshot was taken. */
  takenAt: string;
}

/** A snapshot file in the backup directory, with its record when it has a readable one. */
export interface StoredSnapshot extends SnapshotName {
  /** Target path of the snapshot file. */
  path: string;
  size: number;
  record?: SnapshotRecord;
  /** Why the record is missing or unreadable. */
  recordProblem?: string;
}

/** Reads the record beside the snapshot at target path `p`. */
export function readRecord(host: HostRoot, p: string): { record?: SnapshotRecord; problem?: string } {
  return parseRecord(recordText(host.resolve(p + RECORD_SUFFIX)), p, true);
}

/**
 * Reads the record beside the snapshot file at real path `real` (one named on the command line, maybe copied
 * under another name: the digest, not the name, ties the two).
 */
export function readRecordAt(real: string): { record?: SnapshotRecord; problem?: string } {
  return parseRecord(recordText(real + RECORD_SUFFIX), real, false);
}

/** The largest record read: etcdup's are a few hundred bytes. */
const MAX_RECORD_BYTES = 64 * 1024;

/**
 * The text of the record at real path `real` (undefined: none there), or why it is no record. The record
 * is input from a directory others may write (`restore /tmp/x.db` reads `/tmp/x.db.json`): a FIFO never
 * blocks the read, a device or a huge file is never read.
 */
function recordText(real: string): { text?: string; problem?: string } {
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? {} : { problem: `cannot be read (${code})` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { problem: "is not a regular file" };
    if (st.size > MAX_RECORD_BYTES) return { problem: `is too large for a record (${st.size} bytes)` };
    return { text: fs.readFileSync(fd, "utf8") };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `v` has the shape of a {@link SnapshotRecord} (JSON from a file: any value at all). */
function isRecord(v: unknown): v is SnapshotRecord {
  const r = v as Partial<SnapshotRecord> | null;
  const status = r?.status as Partial<SnapshotStatus> | null | undefined;
  return typeof r === "object" && r !== null && !Array.isArray(r) && r.schema === 1 &&
    typeof r.sha256 === "string" && /^[0-9a-f]{64}$/.test(r.sha256) && typeof r.file === "string" &&
    Number.isSafeInteger(r.size) && typeof status === "object" && status !== null &&
    (["hash", "revision", "totalKey", "totalSize"] as const).every((k) => Number.isSafeInteger(status[k])) &&
    typeof r.member === "string" && typeof r.etcdVersion === "string" &&
    /^v\d+\.\d+\.\d+$/.test(r.etcdVersion) &&
    typeof r.takenAt === "string";
}

/** The record read by {@link recordText} for the snapshot at path `p`, checked for shape (and name). */
function parseRecord(
  read: { text?: string; problem?: string },
  p: string,
  sameName: boolean,
): { record?: SnapshotRecord; problem?: string } {
  const name = `${path.basename(p)}${RECORD_SUFFIX}`;
  if (read.problem) return { problem: `${name} ${read.problem}` };
  if (read.text === undefined) return { problem: `no record ${name} beside it` };
  let r: unknown;
  try {
    r = JSON.parse(read.text);
  } catch {
    return { problem: `${name} is not JSON` }; // not V8's message: it quotes the text (a link to a secret?)
  }
  if (!isRecord(r) || (sameName && r.file !== path.basename(p))) {
    return { problem: `${name} is not etcdup's record of this snapshot` };
  }
  return { record: r };
}

/** Writes the record beside the snapshot (target path `p` of the snapshot file), atomically, root 0600. */
export function writeRecord(host: HostRoot, p: string, record: SnapshotRecord): void {
  host.writeAtomic(p + RECORD_SUFFIX, JSON.stringify(record, null, 2) + "\n", SNAPSHOT_OWNER);
}

/** Names in a directory (target path), or none when it does not exist. */
function names(host: HostRoot, dir: string): string[] {
  try {
    return fs.readdirSync(host.resolve(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** etcdup's snapshot files in `dir` (target path), newest first; nothing else there is looked at. */
export function listSnapshots(host: HostRoot, dir: string): StoredSnapshot[] {
  const found: StoredSnapshot[] = [];
  for (const file of names(host, dir)) {
    const name = parseSnapshotName(file);
    const p = path.join(dir, file);
    const st = name ? host.stat(p) : undefined;
    if (!name || !st?.isFile) continue;
    const { record, problem } = readRecord(host, p);
    found.push({ ...name, path: p, size: st.size, ...(record ? { record } : { recordProblem: problem }) });
  }
  return found.sort((a, b) => b.time.getTime() - a.time.getTime());
}

/** Removes a snapshot: the file first, then its record (a record without a file is a leftover). */
export function removeSnapshot(host: HostRoot, p: string): void {
  host.remove(p);
  host.remove(p + RECORD_SUFFIX);
  syncDir(host.resolve(path.dirname(p)));
}

/**
 * Removes what an interrupted backup or prune left in `dir`: etcdup's temp snapshot files and records whose
 * snapshot file is gone. Call it holding the backup lock. Returns the names removed.
 */
export function removeLeftovers(host: HostRoot, dir: string): string[] {
  const leftovers = findLeftovers(host, dir);
  for (const f of leftovers) host.remove(path.join(dir, f));
  return leftovers;
}

/** The names of what an interrupted backup or prune left in `dir` (see {@link removeLeftovers}); a read. */
export function findLeftovers(host: HostRoot, dir: string): string[] {
  const all = names(host, dir);
  const present = new Set(all);
  return all.filter((f) =>
    isTempFileName(f) ||
    (f.endsWith(RECORD_SUFFIX) && parseSnapshotName(f.slice(0, -RECORD_SUFFIX.length)) !== undefined &&
      !present.has(f.slice(0, -RECORD_SUFFIX.length)))
  );
}

/** The lock file that serialises backups, prunes and purges of one directory. */
const LOCK_FILE = ".etcdup-backup.lock";

/**
 * Runs `fn` holding an exclusive lock on the backup directory `dir` (target path), so a scheduled and a
 * manual backup never prune under each other. Waits for a running one to finish.
 */
export async function withBackupLock<T>(host: HostRoot, dir: string, fn: () => Promise<T>): Promise<T> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(host.resolve(path.join(dir, LOCK_FILE)), {
      create: true,
      write: true,
      mode: 0o600,
    });
  } catch (err) {
    throw new EtcdupError({
      code: "backup-dir-unusable",
      message: `cannot use the backup directory ${host.resolve(dir)}: ${(err as Error).message}`,
      hint: "It must be a local directory root can write (etcdup creates it root 0700).",
      exit: Exit.precondition,
      cause: err,
    });
  }
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close();
  }
}

/**
 * Removes etcdup's snapshots, their records, leftovers and lock file from `dir` (target path), then the
 * directory if nothing else is in it; files etcdup did not name stay. Returns the snapshot paths removed.
 */
export async function purgeBackups(host: HostRoot, dir: string): Promise<string[]> {
  if (host.stat(dir) === undefined) return [];
  const removed = await withBackupLock(host, dir, () => {
    const snaps = listSnapshots(host, dir).map((s) => s.path);
    for (const p of snaps) removeSnapshot(host, p);
    removeLeftovers(host, dir);
    return Promise.resolve(snaps);
  });
  host.remove(path.join(dir, LOCK_FILE));
  if (names(host, dir).length === 0) fs.rmdirSync(host.resolve(dir));
  return removed;
}
