/**
 * `etcdup backup`: observe the backup directory (lib/observe/backup.ts) -> plan the snapshot and retention
 * (lib/backup/plan.ts) -> print the plan (`--dry-run`, lib/backup/view.ts) or carry it out: a verified
 * snapshot of this member now, into the backup directory, then exactly the plan's prunes
 * (lib/backup/take.ts); with `--encrypt-to` the snapshot is age-encrypted as it is saved and kept once read
 * back, with `--upload` it also goes to the bucket (the leader's only, asked while the snapshot is taken)
 * with the same retention there (lib/offsite/). The timer etcdup-backup.timer runs it with the offsite
 * settings last given; `--json` prints the snapshot's record.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { backupFlags } from "../specs/backup.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";
import { backupDir } from "../backup/names.ts";
import { retentionOf } from "../backup/retention.ts";
import { planBackup } from "../backup/plan.ts";
import { renderBackupPlan } from "../backup/view.ts";
import { type BackupOutcome, takeBackup } from "../backup/take.ts";
import { observeBackup } from "../observe/backup.ts";
import { ageDescription, findAgeCli } from "../host/age_cli.ts";
import { offsiteForRun, recordOffsite } from "../offsite/recorded.ts";
import { beginUpload, type UploadOutcome } from "../offsite/backup_upload.ts";
import { backupMetrics, textfilePath, writeTextfile } from "../monitor/textfile.ts";

/** Runs `etcdup backup`: observe -> plan -> print it (`--dry-run`) or carry it out. */
export async function run(ctx: ContextOf<typeof backupFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const state = requireInstalled(host, "back up");
  const dir = backupDir(host, options, state);
  requireRoot(host, "backup");
  const offsite = offsiteForRun(host, options);
  const prom = options.prometheus === undefined ? undefined : textfilePath(options.prometheus);
  const plan = planBackup(observeBackup(host, state, dir), {
    policy: retentionOf(options),
    recipients: offsite.settings.recipients,
    ...(offsite.settings.remote ? { uploadTo: offsite.settings.remote.url } : {}),
    recordOffsite: offsite.record,
    ...(prom ? { prometheus: prom } : {}),
  }, new Date());
  // The age binary is looked up (and ETCDUP_AGE checked) before anything runs, like the recipients.
  const encryption = plan.recipients.length > 0 ? { cli: await findAgeCli(ctx.env) } : {};
  if (options["dry-run"]) {
    out.result({ dryRun: true, plan }, renderBackupPlan(plan));
    return Exit.ok;
  }
  if (offsite.record) recordOffsite(host, offsite.settings);
  const remote = offsite.settings.remote;
  const uploading = remote ? beginUpload(host, state, remote, ctx.env, out) : undefined;
  let done: BackupOutcome;
  try {
    done = await takeBackup(host, state, plan, out, encryption);
  } catch (err) {
    await uploading?.abandon();
    throw err;
  }
  const r = done.snapshot.record;
  if (prom) writeTextfile(prom, backupMetrics({ size: r.size, revision: r.status.revision }, new Date()));
  let upload: UploadOutcome | undefined;
  let failure: unknown;
  if (uploading) {
    try {
      upload = await uploading.finish({ file: host.resolve(done.snapshot.path), record: r }, plan.policy);
    } catch (err) {
      failure = err;
    }
  }
  const encryptedWith = r.encrypted ? ageDescription(encryption.cli) : undefined;
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
      policy: plan.policy,
      ...(encryptedWith ? { encryptedWith } : {}),
      ...(upload ? { upload } : {}),
    },
    `backup ${done.snapshot.path}: revision ${r.status.revision}, ${r.status.totalKey} keys, ${r.size} bytes, ` +
      `sha256 ${r.sha256} (read back with ${r.verifiedWith}${
        encryptedWith ? `, then encrypted with ${encryptedWith}` : ""
      }); retention removed ${done.pruned.length}${where}`,
  );
  if (failure !== undefined) throw failure;
  return Exit.ok;
}
