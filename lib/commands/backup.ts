/**
 * `etcdup backup`: a verified snapshot of this member now, into the backup directory, then retention
 * (lib/backup/take.ts); with `--encrypt-to` the snapshot is age-encrypted once read back, with `--upload`
 * it also goes to the bucket (the leader's only) with the same retention there (lib/offsite/). The timer
 * etcdup-backup.timer runs it with the offsite settings last given; `--json` prints the snapshot's record.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { backupFlags } from "../specs/backup.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireInstalled, requireRoot } from "../daytwo/preconditions.ts";
import { backupDir } from "../backup/names.ts";
import { retentionOf } from "../backup/retention.ts";
import { takeBackup } from "../backup/take.ts";
import { offsiteForRun } from "../offsite/recorded.ts";
import { uploadBackup, type UploadOutcome } from "../offsite/backup_upload.ts";
import { backupMetrics, textfilePath, writeTextfile } from "../monitor/textfile.ts";

/** Runs `etcdup backup`. */
export async function run(ctx: ContextOf<typeof backupFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const policy = retentionOf(options);
  const state = requireInstalled(host, "back up");
  const dir = backupDir(host, options, state);
  requireRoot(host, "backup");
  const offsite = offsiteForRun(host, options);
  const prom = options.prometheus === undefined ? undefined : textfilePath(options.prometheus);
  const done = await takeBackup(host, state, { dir, policy, recipients: offsite.recipients }, out);
  const r = done.snapshot.record;
  if (prom) writeTextfile(prom, backupMetrics({ size: r.size, revision: r.status.revision }, new Date()));
  let upload: UploadOutcome | undefined;
  let failure: unknown;
  if (offsite.remote) {
    try {
      upload = await uploadBackup(
        host,
        state,
        offsite.remote,
        ctx.env,
        {
          file: host.resolve(done.snapshot.path),
          record: r,
        },
        policy,
        out,
      );
    } catch (err) {
      failure = err;
    }
  }
  const where = upload?.uploaded
    ? `; uploaded to ${upload.uploaded.url}`
    : upload?.skipped
    ? `; not uploaded (${upload.skipped})`
    : "";
  out.result(
    {
      file: done.snapshot.path,
      record: r,
      pruned: done.pruned,
      cleaned: done.cleaned,
      policy,
      ...(upload ? { upload } : {}),
    },
    `backup ${done.snapshot.path}: revision ${r.status.revision}, ${r.status.totalKey} keys, ${r.size} bytes, ` +
      `sha256 ${r.sha256} (read back with ${r.verifiedWith}${
        r.encrypted ? ", then encrypted" : ""
      }); retention removed ${done.pruned.length}${where}`,
  );
  if (failure !== undefined) throw failure;
  return Exit.ok;
}
