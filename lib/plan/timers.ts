/**
 * The scheduled jobs install and join set up on every member, from the flags. Pure. A new job is one
 * {@link timerJob} line here (and its flags in lib/cli/specs/install.ts `timerFlags`).
 */
import type { FlagValues } from "../cli/spec.ts";
import { type TimerJob, timerJob } from "../timers/job.ts";
import { DEFAULT_BACKUP_DIR } from "../backup/names.ts";

/** The backup timer's schedule unless --backup-schedule says otherwise. */
export const DEFAULT_BACKUP_SCHEDULE = "hourly";

/** The timers the plan wants, in the order they are enabled. */
export function plannedTimers(values: FlagValues): TimerJob[] {
  const jobs: TimerJob[] = [];
  if (values["no-backup-timer"] !== true) {
    const schedule = typeof values["backup-schedule"] === "string"
      ? values["backup-schedule"]
      : DEFAULT_BACKUP_SCHEDULE;
    jobs.push(
      timerJob("etcdup-backup", "etcd snapshot backup (etcdup backup)", ["backup"], schedule, {
        flag: "backup-schedule",
        writePaths: [DEFAULT_BACKUP_DIR],
      }),
    );
  }
  return jobs;
}
