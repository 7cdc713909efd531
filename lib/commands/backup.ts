/**
 * `etcdup backup`: a verified snapshot of this member now, into the backup directory, then retention
 * (lib/backup/take.ts). The timer etcdup-backup.timer runs it; `--json` prints the snapshot's record.
 */
import type { CommandContext } from "../cli/spec.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireInstalled, requireRoot } from "../daytwo/preconditions.ts";
import { backupDir } from "../backup/names.ts";
import { retentionFromFlags } from "../backup/retention.ts";
import { takeBackup } from "../backup/take.ts";

/** Runs `etcdup backup`. */
export async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values, out } = ctx;
  const host = hostOf(values);
  const policy = retentionFromFlags(values);
  const state = requireInstalled(host, "back up");
  const dir = backupDir(host, values, state);
  requireRoot(host, "backup");
  const done = await takeBackup(host, state, { dir, policy }, out);
  const r = done.snapshot.record;
  out.result(
    { file: done.snapshot.path, record: r, pruned: done.pruned, cleaned: done.cleaned, policy },
    `backup ${done.snapshot.path}: revision ${r.status.revision}, ${r.status.totalKey} keys, ${r.size} bytes, ` +
      `sha256 ${r.sha256} (read back with ${r.verifiedWith}); retention removed ${done.pruned.length}`,
  );
  return Exit.ok;
}
