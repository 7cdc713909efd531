/**
 * `backup --dry-run` in words: the plan (lib/backup/plan.ts) as the steps the run would take, in its order,
 * each snapshot of the backup directory with what retention does with it and why. Pure.
 */
import { formatBytes } from "../text.ts";
import type { BackupPlan } from "./plan.ts";

/** The plan as text, one line a step or snapshot. */
export function renderBackupPlan(plan: BackupPlan): string {
  const s = plan.snapshot;
  const { freeBytes, quotaBytes, tight } = plan.space;
  return [
    `backup --dry-run: nothing is written`,
    ...(plan.recordOffsite ? ["would record the offsite settings given for the timer's later runs"] : []),
    ...(plan.createDir ? [`would create ${plan.dir} (root 0700)`] : []),
    ...(plan.leftovers.length > 0
      ? [`would remove leftovers of an interrupted backup: ${plan.leftovers.join(", ")}`]
      : []),
    `would save ${s.path}${
      s.encrypted ? ` (age-encrypted to ${plan.recipients.length} recipient(s) once read back)` : ""
    }, read it back with snapshot status and record its SHA-256`,
    `free space in ${plan.dir}: ${freeBytes === undefined ? "unknown" : formatBytes(freeBytes)}; quota ${
      formatBytes(quotaBytes)
    }${tight ? " (a snapshot as large as the quota would not fit)" : ""}`,
    ...(plan.uploadTo ? [`would upload it to ${plan.uploadTo} (if this member is the leader then)`] : []),
    ...(plan.prometheus ? [`would write the metrics textfile ${plan.prometheus}`] : []),
    `retention (--keep-hourly ${plan.policy.hourly} --keep-daily ${plan.policy.daily} --keep-weekly ${plan.policy.weekly}):`,
    ...plan.keep.map((e) => `  keep   ${e.path}: ${e.reason}`),
    ...plan.prune.map((e) => `  remove ${e.path}: ${e.reason}`),
    ...plan.untouched.map((e) => `  leave  ${e.path}: ${e.reason}`),
  ].join("\n");
}
