/**
 * etcdup's scheduled jobs: one oneshot service running `/usr/local/bin/etcdup ARGS` as root, hardened like
 * etcd's unit, and a timer starting it on an `OnCalendar=` schedule (`Persistent=true`, so a run missed
 * while the host was off happens at boot, and a randomized delay, so members of a cluster do not all run at
 * once). Pure: a job is data, its unit files are rendered from the embedded templates, and the systemctl
 * steps that place them (enable, retire) are said in words for the dry run. A new timer is one
 * {@link timerJob} call in lib/plan/timers.ts.
 */
import serviceTemplate from "../../assets/etcdup-job.service" with { type: "text" };
import timerTemplate from "../../assets/etcdup-job.timer" with { type: "text" };
import { usageError } from "../errors.ts";
import { fillTemplate } from "../etcd/template.ts";
import { rootFile } from "./diff.ts";
import { type DesiredFile, SELF_PATH } from "../files.ts";

/** Where the units go (target path). */
export const UNIT_DIR = "/etc/systemd/system";

/** A scheduled etcdup command. */
export interface TimerJob {
  /** Unit base name: `NAME.service` and `NAME.timer`. */
  name: string;
  /** One line for `Description=`. */
  description: string;
  /** etcdup's arguments, e.g. `["backup"]`. */
  args: string[];
  /** A validated `OnCalendar=` expression. */
  schedule: string;
  /** The flag the schedule came from, for errors. */
  scheduleFlag: string;
  /** `RandomizedDelaySec=` in seconds. */
  randomizedDelaySec: number;
  /** What the service may write (`ReadWritePaths=`, each `-`-prefixed so a missing one is no error). */
  writePaths: string[];
}

/** Options of {@link timerJob}. */
export interface TimerOptions {
  /** Default 300 (5 minutes). */
  randomizedDelaySec?: number;
  /** Default etcdup's state directory, /var/lib/etcdup. */
  writePaths?: string[];
  /** The flag the schedule came from, for errors; default "schedule". */
  flag?: string;
}

/** systemd's shorthand calendar expressions (systemd.time(7)), with the time between two runs in seconds. */
export const CALENDAR_SHORTHANDS: Readonly<Record<string, number>> = {
  minutely: 60,
  hourly: 3600,
  daily: 86400,
  weekly: 7 * 86400,
  monthly: 31 * 86400,
  quarterly: 92 * 86400,
  semiannually: 184 * 86400,
  yearly: 366 * 86400,
  annually: 366 * 86400,
};

/**
 * Checks an `OnCalendar=` expression's shape without systemd: a shorthand, or weekdays, dates, times, `*`,
 * `,`, `..`, `/`, `~` and a time zone, on one line. This keeps anything but a calendar expression out of the
 * unit file; whether systemd accepts it is asked of `systemd-analyze calendar` when the host has systemd
 * ({@link checkCalendar} in lib/timers/systemd.ts). Throws a usage error naming `flag`.
 * @example calendarExpression("schedule", "*-*-* 02:30:00") // "*-*-* 02:30:00"
 */
export function calendarExpression(flag: string, raw: string): string {
  const s = raw.trim();
  if (s in CALENDAR_SHORTHANDS) return s;
  if (s.length === 0 || s.length > 128 || !/^[A-Za-z0-9*,.:/~+_ -]+$/.test(s) || !/[0-9*]/.test(s)) {
    throw usageError(
      "bad-schedule",
      `--${flag}: '${raw}' is not a systemd calendar expression`,
      "Give an OnCalendar= value (systemd.time(7)), e.g. hourly, daily, '*-*-* 02:30:00' or 'Mon *-*-* 03:00'.",
    );
  }
  return s.replace(/\s+/g, " ");
}

/**
 * A scheduled job `name` running `etcdup ARGS` on `schedule`; the schedule's shape is checked here.
 * @example timerJob("etcdup-backup", "etcd snapshot backup", ["backup"], "hourly")
 */
export function timerJob(
  name: string,
  description: string,
  args: string[],
  schedule: string,
  opts: TimerOptions = {},
): TimerJob {
  if (!/^etcdup-[a-z0-9-]+$/.test(name)) throw new Error(`internal: bad timer name ${name}`);
  return {
    name,
    description,
    args,
    schedule: calendarExpression(opts.flag ?? "schedule", schedule),
    scheduleFlag: opts.flag ?? "schedule",
    randomizedDelaySec: opts.randomizedDelaySec ?? 300,
    writePaths: opts.writePaths ?? ["/var/lib/etcdup"],
  };
}

/** The timer unit's name, e.g. "etcdup-backup.timer". */
export function timerUnit(job: Pick<TimerJob, "name">): string {
  return `${job.name}.timer`;
}

/** One word of a systemd command line (systemd.service(5) "Command lines"): quoted, `%` and `$` escaped. */
function systemdWord(s: string): string {
  const escaped = s.replaceAll("%", "%%").replaceAll("$", "$$$$");
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)
    ? escaped
    : `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** A root 0644 unit file. */
function unitFile(p: string, content: string): DesiredFile {
  return rootFile(p, content, 0o644, false);
}

/** The job's service and timer unit files (root 0644; edits are kept like etcd.service's). */
export function timerFiles(job: TimerJob): DesiredFile[] {
  const service = `${job.name}.service`;
  const vars = {
    SERVICE: service,
    SERVICE_FILE: `${UNIT_DIR}/${service}`,
    TIMER_FILE: `${UNIT_DIR}/${timerUnit(job)}`,
    DESCRIPTION: job.description,
  };
  return [
    unitFile(
      vars.SERVICE_FILE,
      fillTemplate(serviceTemplate, {
        ...vars,
        EXEC_START: [SELF_PATH, ...job.args].map(systemdWord).join(" "),
        READ_WRITE_PATHS: job.writePaths.map((p) => `-${p}`).join(" "),
      }),
    ),
    unitFile(
      vars.TIMER_FILE,
      fillTemplate(timerTemplate, {
        SERVICE: service,
        TIMER_FILE: vars.TIMER_FILE,
        DESCRIPTION: job.description,
        SCHEDULE: job.schedule,
        RANDOMIZED_DELAY: `${job.randomizedDelaySec}s`,
      }),
    ),
  ];
}

/** The service actions for the jobs, as the dry run shows them. */
export function timerSteps(root: string, jobs: TimerJob[], retired: string[], start: boolean): string[] {
  const steps = retired.map((t) => `stop and disable ${t}, remove its units (no longer planned)`);
  for (const job of jobs) {
    const unit = timerUnit(job);
    steps.push(
      root !== "/"
        ? `systemctl --root ${root} enable ${unit} (${job.schedule})`
        : `systemctl enable ${unit}${
          start ? " and start it" : " (starts at boot: --no-start)"
        } (${job.schedule})`,
    );
  }
  return steps;
}

/** Timer units recorded before that the plan no longer has. */
export function retiredTimers(recorded: string[] | undefined, jobs: TimerJob[]): string[] {
  const planned = new Set(jobs.map(timerUnit));
  return (recorded ?? []).filter((t) => !planned.has(t));
}
