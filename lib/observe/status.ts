/**
 * `status`'s observation (lib/daytwo/status_report.ts's {@link StatusObserved}): every read status reports
 * on, made once before the report is built: etcd's unit, health and the cluster over mutual TLS (when etcd
 * runs here), every certificate inspected as `certs check` does, the files the state record lists as they
 * are now, etcdup's timers, the backup directory's newest snapshot and the backup timer's schedule and last
 * run, and, when an upload is recorded, the bucket's newest snapshot.
 */
import * as path from "node:path";
import { EtcdupError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import { analyzeCalendar, type ServiceManager, serviceManager } from "../host/systemd.ts";
import { currentFiles } from "../host/file_writes.ts";
import { adminClient } from "../etcd/admin_client.ts";
import type { EndpointHealth } from "../etcd/health.ts";
import { ClusterApi } from "../cluster/api.ts";
import { type ClusterStatus, clusterStatus } from "../cluster/status.ts";
import type { Sans } from "../pki/sans.ts";
import { CALENDAR_SHORTHANDS, UNIT_DIR } from "../plan/timer_units.ts";
import { DEFAULT_BACKUP_DIR } from "../plan/dirs.ts";
import { listSnapshots } from "../backup/store.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { readOffsite } from "../offsite/recorded.ts";
import { openRemote } from "../offsite/remote.ts";
import { listRemoteSnapshots } from "../offsite/remote_snapshots.ts";
import { timerStatuses } from "../timers/status.ts";
import {
  BACKUP_TIMER,
  type BackupTimerObserved,
  type RemoteObserved,
  type StatusObserved,
} from "../daytwo/status_report.ts";
import { inspectCertificates, observeTarget, type Target } from "./certs.ts";

/** Health of each client endpoint and the cluster table, asked over mutual TLS. */
async function observeEtcd(
  host: HostRoot,
  state: InstallState,
): Promise<{ health: EndpointHealth[]; cluster?: ClusterStatus; clusterError?: string }> {
  const api = new ClusterApi(adminClient(host, state));
  try {
    const health = await Promise.all(api.endpoints.map((e) => api.health(e)));
    try {
      return { health, cluster: await clusterStatus(api) };
    } catch (err) {
      return { health, clusterError: (err as Error).message };
    }
  } finally {
    await api.close();
  }
}

/** Seconds between runs of `schedule`: the shorthand's, or the shortest gap systemd-analyze shows (live). */
async function periodOf(host: HostRoot, schedule: string): Promise<number | undefined> {
  if (schedule in CALENDAR_SHORTHANDS) return CALENDAR_SHORTHANDS[schedule];
  if (!host.isLive) return undefined;
  const elapses = (await analyzeCalendar(schedule, 3))?.elapses ?? [];
  const gaps = elapses.slice(1).map((d, i) => (d.getTime() - elapses[i].getTime()) / 1000);
  return gaps.length > 0 ? Math.max(...gaps) : undefined;
}

/** The backup timer's schedule and its service's last run, when etcdup installed the timer. */
async function observeBackupTimer(
  host: HostRoot,
  state: InstallState,
  svc: ServiceManager,
): Promise<BackupTimerObserved | undefined> {
  if (!(state.timers ?? []).includes(BACKUP_TIMER)) return undefined;
  const unitText = host.readText(path.join(UNIT_DIR, BACKUP_TIMER)) ?? "";
  const schedule = /^OnCalendar=(.+)$/m.exec(unitText)?.[1]?.trim();
  const service = await svc.show(BACKUP_TIMER.replace(".timer", ".service"), [
    "Result",
    "ExecMainExitTimestamp",
  ]);
  const ran = service.ExecMainExitTimestamp && service.ExecMainExitTimestamp !== "n/a"
    ? service.ExecMainExitTimestamp
    : undefined;
  return {
    unit: BACKUP_TIMER,
    ...(schedule ? { schedule, periodSeconds: await periodOf(host, schedule) } : {}),
    ...(ran ? { lastRun: ran, lastResult: service.Result } : {}),
  };
}

/**
 * The recorded upload's newest etcdup snapshot with its record, or why the bucket could not be listed;
 * undefined when no upload is recorded. Bounded: one retry, 5 s to connect, 15 s idle.
 */
async function observeRemote(
  host: HostRoot,
  env: Record<string, string | undefined>,
): Promise<RemoteObserved | undefined> {
  const remote = readOffsite(host).remote;
  if (!remote) return undefined;
  const location = remote.url;
  try {
    const client = openRemote(remote, env, { retries: 1, connectTimeoutMs: 5000, idleTimeoutMs: 15_000 });
    try {
      const found = (await listRemoteSnapshots(client, parseSnapshotName)).find((s) => s.recordKey);
      return found
        ? { location, newest: { url: client.url(found.key), takenAt: found.info.time.toISOString() } }
        : { location };
    } finally {
      await client.close();
    }
  } catch (err) {
    return { location, error: err instanceof EtcdupError ? `${err.code}: ${err.message}` : String(err) };
  }
}

/**
 * Observes the member `state` describes for `status`: `certs` is its PKI (lib/observe/certs.ts's
 * {@link Target}, resolved by the caller, which refuses a non-root run) with the names server and peer must
 * cover and the expiry window.
 */
export async function observeStatus(
  host: HostRoot,
  state: InstallState,
  certs: { target: Target; sans: Sans; warnDays: number },
  env: Record<string, string | undefined>,
): Promise<StatusObserved> {
  const now = new Date();
  const svc = serviceManager(host);
  const service = {
    unit: state.unit,
    live: svc.live,
    active: await svc.isActive(state.unit),
    enabled: await svc.isEnabled(state.unit),
  };
  const etcd = svc.live && service.active ? await observeEtcd(host, state) : { health: [] };
  const newest = listSnapshots(host, DEFAULT_BACKUP_DIR).find((s) => s.record !== undefined);
  const timer = await observeBackupTimer(host, state, svc);
  const remote = await observeRemote(host, env);
  return {
    state,
    now: now.toISOString(),
    service,
    ...etcd,
    certificates: await inspectCertificates(
      certs.target,
      observeTarget(certs.target),
      certs.sans,
      certs.warnDays,
    ),
    files: currentFiles(host, Object.keys(state.files)),
    timers: await timerStatuses(host, state.timers ?? []),
    backups: {
      dir: DEFAULT_BACKUP_DIR,
      ...(newest
        ? {
          newest: {
            path: newest.path,
            takenAt: newest.time.toISOString(),
            revision: newest.record?.status.revision,
          },
        }
        : {}),
      ...(timer ? { timer } : {}),
      ...(remote ? { remote } : {}),
    },
  };
}
