/**
 * The scheduled jobs install and join set up on every member, from the flags. Pure. A new job is one
 * {@link timerJob} line here (and its flags in lib/specs/install.ts `timerFlags`).
 * - etcdup-backup: `backup` hourly (lib/backup), unless --no-backup-timer.
 * - etcdup-certs: `certs renew --if-expiring` daily (renews only what expires within 30 days, restarting etcd
 *   only then), refreshing the certificate textfile metrics when `--metrics-textfile-dir` is set.
 * - etcdup-maintain: `maintain` daily with its default thresholds (defragments where worth it, NOSPACE).
 * `--no-timers` leaves all of them out. The certs and maintain jobs wait up to an hour at random, so the members of a cluster do not all run at once.
 */
import * as path from "node:path";
import type { InstallOptions } from "../specs/install.ts";
import { type TimerJob, timerJob } from "./timer_units.ts";
import { DEFAULT_BACKUP_DIR } from "./dirs.ts";
import { absolutePath } from "./validate.ts";

/** The backup timer's schedule unless --backup-schedule says otherwise. */
export const DEFAULT_BACKUP_SCHEDULE = "hourly";

/** The file the certs timer writes in `--metrics-textfile-dir`. */
export const CERTS_TEXTFILE = "etcdup-certs.prom";

/** The file the backup timer writes in `--metrics-textfile-dir` (read by the `EtcdBackupStale` alert). */
export const BACKUP_TEXTFILE = "etcdup-backup.prom";

/** The flags the timers come from. */
export type TimerOptions = Pick<
  InstallOptions,
  | "no-timers"
  | "no-backup-timer"
  | "backup-schedule"
  | "certs-schedule"
  | "maintain-schedule"
  | "metrics-textfile-dir"
>;

/** `--metrics-textfile-dir`, validated, or undefined. */
export function textfileDirOf(options: Pick<TimerOptions, "metrics-textfile-dir">): string | undefined {
  const raw = options["metrics-textfile-dir"];
  return raw ? absolutePath("metrics-textfile-dir", raw) : undefined;
}

/** The timers the plan wants, in the order they are enabled; none at all with `--no-timers`. */
export function plannedTimers(
  options: TimerOptions,
  pkiDir: string,
  textfileDir: string | undefined,
): TimerJob[] {
  if (options["no-timers"]) return [];
  const jobs: TimerJob[] = [];
  if (!options["no-backup-timer"]) {
    const backupArgs = ["backup"];
    if (textfileDir) backupArgs.push("--prometheus", path.join(textfileDir, BACKUP_TEXTFILE));
    jobs.push(
      timerJob(
        "etcdup-backup",
        "etcd snapshot backup (etcdup backup)",
        backupArgs,
        options["backup-schedule"] ?? DEFAULT_BACKUP_SCHEDULE,
        { flag: "backup-schedule", writePaths: [DEFAULT_BACKUP_DIR, ...(textfileDir ? [textfileDir] : [])] },
      ),
    );
  }
  const certsArgs = ["certs", "renew", "--if-expiring"];
  if (textfileDir) certsArgs.push("--prometheus", path.join(textfileDir, CERTS_TEXTFILE));
  jobs.push(
    timerJob(
      "etcdup-certs",
      "etcdup: renew etcd certificates expiring within 30 days",
      certsArgs,
      options["certs-schedule"] ?? "daily",
      {
        flag: "certs-schedule",
        randomizedDelaySec: 3600,
        writePaths: [pkiDir, "/var/lib/etcdup", ...(textfileDir ? [textfileDir] : [])],
      },
    ),
    timerJob(
      "etcdup-maintain",
      "etcdup: etcd maintenance (defragmentation, NOSPACE recovery)",
      ["maintain"],
      options["maintain-schedule"] ?? "daily",
      { flag: "maintain-schedule", randomizedDelaySec: 3600 },
    ),
  );
  return jobs;
}
