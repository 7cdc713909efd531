/**
 * `etcdup backup list` (and `--remote`) from what was observed (lib/observe/backup.ts fills in
 * {@link LocalListObserved} and {@link RemoteListObserved}): each snapshot's digest check, age and problem,
 * the `--json` value, the table, and whether the list exits 6. Pure: data in, data out.
 */
import { formatAge } from "../text.ts";

/** One snapshot file of the backup directory, as observed. */
export interface ObservedListedSnapshot {
  /** Target path. */
  path: string;
  /** ISO time its name carries. */
  takenAt: string;
  member: string;
  etcdVersion: string;
  size: number;
  /** Age-encrypted (`.db.age`). */
  encrypted: boolean;
  /** SHA-256 of the file, computed now. */
  sha256: string;
  /** What its record says, when it has a readable one. */
  record?: { sha256: string; revision: number; keys: number };
  /** Why it has no readable record. */
  recordProblem?: string;
}

/** The backup directory as `backup list` observed it. */
export interface LocalListObserved {
  /** The backup directory (target path), and where that is on this host (for the empty message). */
  dir: string;
  realDir: string;
  /** When it was observed (ISO): ages count from it. */
  now: string;
  /** Newest first. */
  snapshots: ObservedListedSnapshot[];
}

/** One line of the list; the `--json` result's entries. */
export interface ListedSnapshot {
  path: string;
  takenAt: string;
  member: string;
  etcdVersion: string;
  revision?: number;
  keys?: number;
  size: number;
  ageSeconds: number;
  sha256: string;
  /** Whether the snapshot is age-encrypted (`.db.age`). */
  encrypted: boolean;
  /** "ok": the digest matches the record; "mismatch"; "no-record". */
  digest: "ok" | "mismatch" | "no-record";
  problem?: string;
}

/** One snapshot object of the bucket, as listed; the `--json` result's entries of `--remote`. */
export interface RemoteListed {
  url: string;
  takenAt: string;
  member: string;
  etcdVersion: string;
  size: number;
  ageSeconds: number;
  encrypted: boolean;
  /** Whether its record object is beside it (only those can be restored from the bucket). */
  record: boolean;
}

/** The bucket as `backup list --remote` observed it. */
export interface RemoteListObserved {
  /** `s3://BUCKET/PREFIX`. */
  location: string;
  now: string;
  /** Newest first. */
  snapshots: Omit<RemoteListed, "ageSeconds">[];
}

/** A list ready to print: its `--json` value, its text, and whether everything in it is fine (else exit 6). */
export interface ListView<T> {
  result: T;
  text: string;
  ok: boolean;
}

/** Seconds from `takenAt` to `now`. */
function ageOf(takenAt: string, now: string): number {
  return Math.round((Date.parse(now) - Date.parse(takenAt)) / 1000);
}

/** "2026-12-01 22:00:00" of an ISO time, padded to its column. */
const taken = (iso: string) => iso.slice(0, 19).replace("T", " ").padEnd(20);

/** One local snapshot with its digest checked against its record. */
function listed(s: ObservedListedSnapshot, now: string): ListedSnapshot {
  const digest = !s.record ? "no-record" : s.record.sha256 === s.sha256 ? "ok" : "mismatch";
  const problem = digest === "mismatch"
    ? `SHA-256 differs from its record (${s.record!.sha256})`
    : s.recordProblem;
  return {
    path: s.path,
    takenAt: s.takenAt,
    member: s.member,
    etcdVersion: s.etcdVersion,
    ...(s.record ? { revision: s.record.revision, keys: s.record.keys } : {}),
    size: s.size,
    ageSeconds: ageOf(s.takenAt, now),
    sha256: s.sha256,
    encrypted: s.encrypted,
    digest,
    ...(problem ? { problem } : {}),
  };
}

/** The backup directory's list; not ok when a snapshot has no record or a digest differs. */
export function localListView(o: LocalListObserved): ListView<{ dir: string; snapshots: ListedSnapshot[] }> {
  const snapshots = o.snapshots.map((s) => listed(s, o.now));
  const lines = snapshots.length === 0 ? [`no etcdup snapshots in ${o.realDir}`] : [
    `${"taken (UTC)".padEnd(20)} ${"revision".padStart(9)} ${"keys".padStart(8)} ${"size".padStart(12)} ${
      "age".padStart(7)
    }  ${"digest".padEnd(9)}  file`,
    ...snapshots.map((l) =>
      `${taken(l.takenAt)} ${String(l.revision ?? "?").padStart(9)} ${String(l.keys ?? "?").padStart(8)} ${
        String(l.size).padStart(12)
      } ${formatAge(l.ageSeconds).padStart(7)}  ${l.digest.padEnd(9)}  ${l.path}${
        l.encrypted ? "  (encrypted)" : ""
      }${l.problem ? `  (${l.problem})` : ""}`
    ),
  ];
  return {
    result: { dir: o.dir, snapshots },
    text: lines.join("\n"),
    ok: snapshots.every((l) => l.digest === "ok"),
  };
}

/** The bucket's list; not ok when a snapshot has no record (it cannot be restored). */
export function remoteListView(
  o: RemoteListObserved,
): ListView<{ location: string; snapshots: RemoteListed[] }> {
  const snapshots = o.snapshots.map((s) => ({ ...s, ageSeconds: ageOf(s.takenAt, o.now) }));
  const lines = snapshots.length === 0 ? [`no etcdup snapshots in ${o.location}`] : [
    `${"taken (UTC)".padEnd(20)} ${"size".padStart(12)} ${"age".padStart(7)}  ${
      "encrypted".padEnd(9)
    }  record  object`,
    ...snapshots.map((s) =>
      `${taken(s.takenAt)} ${String(s.size).padStart(12)} ${formatAge(s.ageSeconds).padStart(7)}  ${
        (s.encrypted ? "yes" : "no").padEnd(9)
      }  ${(s.record ? "yes" : "no").padEnd(6)}  ${s.url}`
    ),
  ];
  return {
    result: { location: o.location, snapshots },
    text: lines.join("\n"),
    ok: snapshots.every((s) => s.record),
  };
}
