/**
 * `etcdup backup list`: etcdup's snapshots in the backup directory, newest first, each with its time,
 * revision, key count, size, age and whether its SHA-256 (computed now) matches its record. Exits 6 when a
 * snapshot has no record or a digest differs.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { backupListFlags } from "../specs/backup.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { readState } from "../host/state.ts";
import { backupDir } from "../backup/names.ts";
import { listSnapshots } from "../backup/store.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { formatAge } from "../offsite/backup_status.ts";
import { listRemote } from "../offsite/remote_list.ts";

/** One line of the list; the `--json` result's entries. */
interface ListedSnapshot {
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

/** Runs `etcdup backup list`. */
export async function run(ctx: ContextOf<typeof backupListFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  if (options.remote) return await runRemote(ctx);
  const dir = backupDir(host, options, readState(host));
  requireRoot(host, "backup list"); // the snapshots and their directory are root-only
  const now = Date.now();
  const listed: ListedSnapshot[] = [];
  for (const s of listSnapshots(host, dir)) {
    const sha256 = await sha256FileAsync(host.resolve(s.path));
    const digest = !s.record ? "no-record" : s.record.sha256 === sha256 ? "ok" : "mismatch";
    listed.push({
      path: s.path,
      takenAt: s.time.toISOString(),
      member: s.member,
      etcdVersion: s.version,
      ...(s.record ? { revision: s.record.status.revision, keys: s.record.status.totalKey } : {}),
      size: s.size,
      ageSeconds: Math.round((now - s.time.getTime()) / 1000),
      sha256,
      encrypted: s.encrypted === true,
      digest,
      ...(digest === "mismatch"
        ? { problem: `SHA-256 differs from its record (${s.record!.sha256})` }
        : s.recordProblem
        ? { problem: s.recordProblem }
        : {}),
    });
  }
  const lines = listed.length === 0 ? [`no etcdup snapshots in ${host.resolve(dir)}`] : [
    `${"taken (UTC)".padEnd(20)} ${"revision".padStart(9)} ${"keys".padStart(8)} ${"size".padStart(12)} ${
      "age".padStart(7)
    }  digest  file`,
    ...listed.map((l) =>
      `${l.takenAt.slice(0, 19).replace("T", " ").padEnd(20)} ${String(l.revision ?? "?").padStart(9)} ${
        String(l.keys ?? "?").padStart(8)
      } ${String(l.size).padStart(12)} ${formatAge(l.ageSeconds).padStart(7)}  ${
        l.digest.padEnd(6)
      }  ${l.path}${l.encrypted ? "  (encrypted)" : ""}${l.problem ? `  (${l.problem})` : ""}`
    ),
  ];
  out.result({ dir, snapshots: listed }, lines.join("\n"));
  return listed.every((l) => l.digest === "ok") ? Exit.ok : Exit.check;
}

/** `backup list --remote`: the bucket's snapshots; exits 6 when one has no record (it cannot be restored). */
async function runRemote(ctx: ContextOf<typeof backupListFlags>): Promise<ExitCode> {
  const host = hostOf(ctx.options);
  const { location, snapshots } = await listRemote(host, ctx.options, ctx.env);
  const lines = snapshots.length === 0 ? [`no etcdup snapshots in ${location}`] : [
    `${"taken (UTC)".padEnd(20)} ${"size".padStart(12)} ${"age".padStart(7)}  ${
      "encrypted".padEnd(9)
    }  record  object`,
    ...snapshots.map((s) =>
      `${s.takenAt.slice(0, 19).replace("T", " ").padEnd(20)} ${String(s.size).padStart(12)} ${
        formatAge(s.ageSeconds).padStart(7)
      }  ${(s.encrypted ? "yes" : "no").padEnd(9)}  ${(s.record ? "yes" : "no").padEnd(6)}  ${s.url}`
    ),
  ];
  ctx.out.result({ location, snapshots }, lines.join("\n"));
  return snapshots.every((s) => s.record) ? Exit.ok : Exit.check;
}
