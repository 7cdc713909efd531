/**
 * `etcdup status` from what was observed (lib/observe/status.ts fills in {@link StatusObserved}): the report
 * (the `--json` value, with every problem that makes status exit 6) and its text. Pure: data in, data out,
 * so each state a host can be in is a unit test with its golden text (tests/daytwo/status_report_test.ts).
 * It sits in the host layer only because it names the host's own shapes (a certificate's inspection, a
 * timer's state, the cluster's table); it reads nothing.
 */
import type { InstallState } from "../state_record.ts";
import type { EndpointHealth } from "../etcd/health.ts";
import type { OwnedFile } from "../files.ts";
import { type ClusterStatus, formatClusterStatus } from "../cluster/status.ts";
import type { CertInspection } from "../pki/inspect.ts";
import { formatTimers, timerProblems, type TimerStatus } from "../timers/status.ts";
import { formatAge } from "../text.ts";
import { compareFiles, drifted, type DriftEntry } from "./drift.ts";

/** The backup timer's unit. */
export const BACKUP_TIMER = "etcdup-backup.timer";

/** etcd's unit as systemd reports it (`live`: false under `--root`, where nothing is asked). */
export interface ServiceObserved {
  unit: string;
  live: boolean;
  active: boolean;
  enabled: boolean;
}

/** The backup timer as observed: its schedule, the seconds between runs, how the last run ended. */
export interface BackupTimerObserved {
  unit: string;
  schedule?: string;
  /** Seconds between two runs of the schedule, when known. */
  periodSeconds?: number;
  lastRun?: string;
  /** systemd's Result of the last run of etcdup-backup.service ("success", "exit-code", ...). */
  lastResult?: string;
}

/** The bucket, when an upload is recorded: its newest etcdup snapshot with a record, or why it was not listed. */
export interface RemoteObserved {
  /** `s3://BUCKET/PREFIX`. */
  location: string;
  newest?: { url: string; takenAt: string };
  /** Why the bucket could not be listed (`code: message`). */
  error?: string;
}

/** Everything status reports on, read before anything is decided. */
export interface StatusObserved {
  state: InstallState;
  /** When it was observed (ISO): ages are counted from it. */
  now: string;
  service: ServiceObserved;
  /** Each client endpoint's health (none when etcd is not running here). */
  health: EndpointHealth[];
  cluster?: ClusterStatus;
  /** Why the cluster could not be asked, if it could not. */
  clusterError?: string;
  /** Every certificate inspected as `certs check` does (its problems counted with its window). */
  certificates: CertInspection[];
  /** The files the state record lists, as they are now (absent: missing). */
  files: Record<string, OwnedFile | undefined>;
  timers: TimerStatus[];
  backups: {
    dir: string;
    /** The newest etcdup snapshot with its record in the backup directory. */
    newest?: { path: string; takenAt: string; revision?: number };
    /** Absent when the backup timer is not installed. */
    timer?: BackupTimerObserved;
    /** Absent when no upload is recorded. */
    remote?: RemoteObserved;
  };
}

/** What status reports about the bucket. */
export interface RemoteBackupStatus {
  location: string;
  newest?: { url: string; takenAt: string; ageSeconds: number };
  error?: string;
  problems: string[];
}

/** What status reports about backups. */
export interface BackupStatus {
  dir: string;
  newest?: { path: string; takenAt: string; ageSeconds: number; revision?: number };
  timer?: BackupTimerObserved;
  remote?: RemoteBackupStatus;
  problems: string[];
}

/** Everything `status` found; the `--json` result. */
export interface StatusReport {
  installed: Pick<
    InstallState,
    "version" | "arch" | "name" | "binDir" | "dataDir" | "pkiDir" | "layout" | "updatedAt"
  >;
  service: ServiceObserved;
  health: EndpointHealth[];
  cluster?: ClusterStatus;
  clusterError?: string;
  certificates: { role: string; path: string; notAfter?: string; daysLeft?: number; problems: string[] }[];
  drift: DriftEntry[];
  backups: BackupStatus;
  /** etcdup's timers: enabled, next run, last result. */
  timers: TimerStatus[];
  problems: string[];
}

/** Seconds from `takenAt` to `now`. */
function ageOf(takenAt: string, now: string): number {
  return Math.round((Date.parse(now) - Date.parse(takenAt)) / 1000);
}

/**
 * The problems of a backup status: a newest snapshot older than two periods, none at all once the timer has
 * run, or a failed last run.
 * @example backupProblems({ dir, timer: { unit, periodSeconds: 3600, lastResult: "success" }, newest: { ageSeconds: 9000, ... } })
 * // ["the newest snapshot ... is 150 minutes old, more than two periods (60 minutes) of etcdup-backup.timer"]
 */
export function backupProblems(s: Omit<BackupStatus, "problems" | "remote">): string[] {
  const problems: string[] = [];
  const t = s.timer;
  if (!t) return problems;
  if (t.lastResult && t.lastResult !== "success") {
    const service = t.unit.replace(".timer", ".service");
    problems.push(`the last run of ${service} failed (${t.lastResult}): see 'journalctl -u ${service}'`);
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

/**
 * The bucket's status: a newest remote snapshot older than two periods of the backup timer, none at all, or
 * a bucket that could not be listed is a problem (off-host backups that silently stopped are what it is for).
 */
export function remoteStatus(r: RemoteObserved, now: string, periodSeconds?: number): RemoteBackupStatus {
  const { location } = r;
  if (r.error) {
    return {
      location,
      error: r.error,
      problems: [`cannot list the remote backups in ${location}: ${r.error}`],
    };
  }
  if (!r.newest) return { location, problems: [`no etcdup snapshot with its record in ${location}`] };
  const newest = { ...r.newest, ageSeconds: ageOf(r.newest.takenAt, now) };
  const stale = periodSeconds !== undefined && newest.ageSeconds > 2 * periodSeconds;
  return {
    location,
    newest,
    problems: stale
      ? [
        `the newest remote snapshot ${newest.url} is ${
          Math.round(newest.ageSeconds / 60)
        } minutes old, more than two periods (${Math.round(periodSeconds / 60)} minutes) of the backup timer`,
      ]
      : [],
  };
}

/** The backup part of the report. */
function backupStatus(b: StatusObserved["backups"], now: string): BackupStatus {
  const base = {
    dir: b.dir,
    ...(b.newest ? { newest: { ...b.newest, ageSeconds: ageOf(b.newest.takenAt, now) } } : {}),
    ...(b.timer ? { timer: b.timer } : {}),
  };
  const remote = b.remote ? remoteStatus(b.remote, now, b.timer?.periodSeconds) : undefined;
  return {
    ...base,
    ...(remote ? { remote } : {}),
    problems: [...backupProblems(base), ...(remote?.problems ?? [])],
  };
}

/** The report of what was observed, with every problem in the order status lists them. */
export function statusReport(o: StatusObserved): StatusReport {
  const { state, service } = o;
  const problems: string[] = [];
  if (service.live && !service.active) problems.push(`${service.unit} is not active`);
  if (!service.enabled) problems.push(`${service.unit} is not enabled`);
  for (const h of o.health) if (!h.healthy) problems.push(`${h.endpoint} is unhealthy: ${h.error}`);
  if (o.clusterError) problems.push(`cluster: ${o.clusterError}`);
  if (o.cluster && !o.cluster.healthy) problems.push("the cluster is not healthy (see the table)");
  for (const c of o.certificates) for (const p of c.problems) problems.push(p.message);
  const drift = drifted(compareFiles(state.files, o.files));
  for (const d of drift) problems.push(`${d.path} is ${d.status} since etcdup wrote it`);
  const backups = backupStatus(o.backups, o.now);
  problems.push(...backups.problems);
  // Every timer is listed; the backup timer's problems are the backup section's (not counted twice).
  problems.push(...timerProblems(o.timers.filter((x) => x.timer !== backups.timer?.unit)));
  return {
    installed: {
      version: state.version,
      arch: state.arch,
      name: state.name,
      binDir: state.binDir,
      dataDir: state.dataDir,
      pkiDir: state.pkiDir,
      layout: state.layout,
      updatedAt: state.updatedAt,
    },
    service,
    health: o.health,
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.clusterError ? { clusterError: o.clusterError } : {}),
    certificates: o.certificates.map((c) => ({
      role: c.role,
      path: c.certPath,
      notAfter: c.notAfter,
      daysLeft: c.daysLeft,
      problems: c.problems.map((p) => p.message),
    })),
    drift,
    backups,
    timers: o.timers,
    problems,
  };
}

/** The status lines about backups. */
function formatBackupStatus(b: BackupStatus): string[] {
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

/** The report as status prints it. */
export function renderStatus(r: StatusReport): string {
  const i = r.installed;
  const lines = [
    `etcd ${i.version} (${i.arch}), member ${i.name}, recorded ${i.updatedAt}`,
    `service: ${r.service.unit} ${
      r.service.live ? (r.service.active ? "active" : "INACTIVE") : "(not live: --root)"
    }, ${r.service.enabled ? "enabled" : "NOT enabled"}`,
    ...r.health.map((h) => `health: ${h.endpoint} ${h.healthy ? "healthy" : `UNHEALTHY (${h.error})`}`),
  ];
  if (r.cluster) lines.push(formatClusterStatus(r.cluster));
  if (r.clusterError) lines.push(`cluster: unavailable (${r.clusterError})`);
  lines.push("certificates:");
  for (const c of r.certificates) {
    const when = c.notAfter ? `expires ${c.notAfter.slice(0, 10)} (${c.daysLeft} days)` : "unreadable";
    lines.push(`  ${c.role.padEnd(16)} ${when}  ${c.path}`);
  }
  lines.push(...formatTimers(r.timers));
  lines.push(r.drift.length === 0 ? "drift: none" : "drift:");
  for (const d of r.drift) lines.push(`  ${d.status.padEnd(9)} ${d.path}`);
  lines.push(...formatBackupStatus(r.backups));
  lines.push(r.problems.length === 0 ? "ok: nothing needs attention" : "problems:");
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join("\n");
}
