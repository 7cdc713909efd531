/**
 * The backup lines of `etcdup status`: the newest snapshot's age in the backup directory, and the backup
 * timer's schedule, last run and result, and the bucket's newest snapshot when an upload is configured. A
 * newest snapshot older than two periods of the timer's schedule (here or in the bucket), or a failed last
 * run, is a problem (status exits 6).
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import { analyzeCalendar, type ServiceManager } from "../host/systemd.ts";
import { CALENDAR_SHORTHANDS, UNIT_DIR } from "../plan/timer_units.ts";
import { DEFAULT_BACKUP_DIR } from "../plan/dirs.ts";
import { listSnapshots } from "../backup/store.ts";
import { type RemoteBackupStatus, remoteBackupStatus } from "./remote_status.ts";

/** The backup timer's unit. */
export const BACKUP_TIMER = "etcdup-backup.timer";

/** What status reports about backups. */
export interface BackupStatus {
  dir: string;
  newest?: { path: string; takenAt: string; ageSeconds: number; revision?: number };
  timer?: {
    unit: string;
    schedule?: string;
    /** Seconds between two runs of the schedule, when known. */
    periodSeconds?: number;
    lastRun?: string;
    /** systemd's Result of the last run of etcdup-backup.service ("success", "exit-code", ...). */
    lastResult?: string;
  };
  /** The bucket, when an upload is configured (./remote_status.ts). */
  remote?: RemoteBackupStatus;
  problems: string[];
}

/**
 * The problems of a backup status: a newest snapshot older than two periods, none at all once the timer has
 * run, or a failed last run. Pure.
 * @example backupProblems({ dir, timer: { unit, periodSeconds: 3600, lastResult: "success" }, newest: { ageSeconds: 9000, ... } })
 * // ["the newest snapshot ... is 2h 30m old, more than two periods (1h) of etcdup-backup.timer"]
 */
export function backupProblems(s: Omit<BackupStatus, "problems">): string[] {
  const problems: string[] = [];
  const t = s.timer;
  if (!t) return problems;
  if (t.lastResult && t.lastResult !== "success") {
    problems.push(
      `the last run of ${t.unit.replace(".timer", ".service")} failed (${t.lastResult}): see 'journalctl -u ${
        t.unit.replace(".timer", ".service")
      }'`,
    );
  }
  if (s.newest && t.periodSeconds && s.newest.ageSeconds > 2 * t.periodSeconds) {
    problems.push(
      `the newest snapshot ${s.newest.path} is ${
        Math.round(s.newest.ageSeconds / 60)
      } minutes old, more than two periods (${Math.round(t.periodSeconds / 60)} minutes) of ${t.unit}`,
    );
  }
  if (!s.newest && t.lastRun) problems.push(`no snapshot in ${s.dir} although ${t.unit} has run`);
  return problems;
}

/** Seconds between runs of `schedule`: the shorthand's, or the shortest gap systemd-analyze shows (live). */
async function periodOf(host: HostRoot, schedule: string): Promise<number | undefined> {
  if (schedule in CALENDAR_SHORTHANDS) return CALENDAR_SHORTHANDS[schedule];
  if (!host.isLive) return undefined;
  const elapses = (await analyzeCalendar(schedule, 3))?.elapses ?? [];
  const gaps = elapses.slice(1).map((d, i) => (d.getTime() - elapses[i].getTime()) / 1000);
  return gaps.length > 0 ? Math.max(...gaps) : undefined;
}

/** Reads the backup status of the installation `state` describes. */
export async function backupStatus(
  host: HostRoot,
  state: InstallState,
  svc: ServiceManager,
  now: Date,
  env: Record<string, string | undefined> = {},
): Promise<BackupStatus> {
  const dir = DEFAULT_BACKUP_DIR;
  const found = listSnapshots(host, dir).find((s) => s.record !== undefined);
  const newest = found
    ? {
      path: found.path,
      takenAt: found.time.toISOString(),
      ageSeconds: Math.round((now.getTime() - found.time.getTime()) / 1000),
      revision: found.record?.status.revision,
    }
    : undefined;
  let timer: BackupStatus["timer"];
  if ((state.timers ?? []).includes(BACKUP_TIMER)) {
    const unitText = host.readText(path.join(UNIT_DIR, BACKUP_TIMER)) ?? "";
    const schedule = /^OnCalendar=(.+)$/m.exec(unitText)?.[1]?.trim();
    const service = await svc.show(BACKUP_TIMER.replace(".timer", ".service"), [
      "Result",
      "ExecMainExitTimestamp",
    ]);
    const ran = service.ExecMainExitTimestamp && service.ExecMainExitTimestamp !== "n/a"
      ? service.ExecMainExitTimestamp
      : undefined;
    timer = {
      unit: BACKUP_TIMER,
      ...(schedule ? { schedule } : {}),
      ...(schedule ? { periodSeconds: await periodOf(host, schedule) } : {}),
      ...(ran ? { lastRun: ran, lastResult: service.Result } : {}),
    };
  }
  const base = { dir, ...(newest ? { newest } : {}), ...(timer ? { timer } : {}) };
  const remote = await remoteBackupStatus(host, env, now, timer?.periodSeconds);
  return {
    ...base,
    ...(remote ? { remote } : {}),
    problems: [...backupProblems(base), ...(remote?.problems ?? [])],
  };
}

/** "3h 12m" style age. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** The status lines about backups. */
export function formatBackupStatus(b: BackupStatus): string[] {
  const lines = [
    b.newest
      ? `backups: newest ${b.newest.path} (${formatAge(b.newest.ageSeconds)} old, revision ${
        b.newest.revision ?? "?"
      })`
      : `backups: none in ${b.dir}`,
  ];
  if (b.timer) {
    lines.push(
      `backup timer: ${b.timer.unit} ${b.timer.schedule ?? "(schedule unreadable)"}, last run ${
        b.timer.lastRun ? `${b.timer.lastRun}: ${b.timer.lastResult}` : "never"
      }`,
    );
  } else lines.push("backup timer: not installed");
  if (b.remote) {
    lines.push(
      b.remote.newest
        ? `remote backups: newest ${b.remote.newest.url} (${formatAge(b.remote.newest.ageSeconds)} old)`
        : `remote backups: ${
          b.remote.error ? `cannot list ${b.remote.location}` : `none in ${b.remote.location}`
        }`,
    );
  }
  return lines;
}
