/**
 * `etcdup backup list`: etcdup's snapshots in the backup directory, newest first, each with its time,
 * revision, key count, size, age and whether its SHA-256 (computed now) matches its record; exits 6 when a
 * snapshot has no record or a digest differs. `--remote`: the bucket's snapshots, exit 6 when one has no
 * record (it cannot be restored). Observe (lib/observe/backup.ts) -> render (lib/backup/list_view.ts, pure).
 */
import type { ContextOf } from "../specs/spec.ts";
import type { backupListFlags } from "../specs/backup.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { readState } from "../host/state.ts";
import { backupDir } from "../backup/names.ts";
import { type ListView, localListView, remoteListView } from "../backup/list_view.ts";
import { observeBackupList, observeRemoteList } from "../observe/backup.ts";

/** Runs `etcdup backup list`. */
export async function run(ctx: ContextOf<typeof backupListFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  let view: ListView<unknown>;
  if (options.remote) view = remoteListView(await observeRemoteList(host, options, ctx.env));
  else {
    const dir = backupDir(host, options, readState(host));
    requireRoot(host, "backup list"); // the snapshots and their directory are root-only
    view = localListView(await observeBackupList(host, dir));
  }
  out.result(view.result, view.text);
  return view.ok ? Exit.ok : Exit.check;
}
