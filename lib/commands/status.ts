/**
 * `etcdup status`: what etcdup installed (from the state record), the unit's state, health over mutual TLS,
 * the cluster as this member sees it, every certificate problem `certs check` finds, drift from the record,
 * and the backups (newest snapshot's age, the backup timer's last result). Exits 6 when anything needs
 * attention, so it can serve as a monitoring check.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { statusFlags } from "../specs/status.ts";
import { ClusterApi } from "../cluster/api.ts";
import { type ClusterStatus, clusterStatus, formatClusterStatus } from "../cluster/status.ts";
import { Exit, type ExitCode } from "../errors.ts";
import type { EndpointHealth } from "../etcd/health.ts";
import type { InstallState } from "../state_record.ts";
import { serviceManager } from "../host/systemd.ts";
import { currentFiles } from "../host/file_writes.ts";
import type { CertInspection } from "../pki/inspect.ts";
import { checkCertificates } from "./certs/check.ts";
import { resolveTarget } from "../observe/certs.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { compareFiles, drifted, type DriftEntry } from "../daytwo/drift.ts";
import { hostOf } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";
import { type BackupStatus, backupStatus, formatBackupStatus } from "../offsite/backup_status.ts";
import { formatTimers, timerProblems, type TimerStatus, timerStatuses } from "../timers/status.ts";

/** Everything `status` found; the `--json` result. */
interface StatusReport {
  installed: Pick<
    InstallState,
    "version" | "arch" | "name" | "binDir" | "dataDir" | "pkiDir" | "layout" | "updatedAt"
  >;
  service: { unit: string; active: boolean; enabled: boolean; live: boolean };
  health: EndpointHealth[];
  /** The cluster as this member's endpoints show it (absent when etcd is not running here). */
  cluster?: ClusterStatus;
  /** Why the cluster could not be asked, if it could not. */
  clusterError?: string;
  certificates: { role: string; path: string; notAfter?: string; daysLeft?: number; problems: string[] }[];
  drift: DriftEntry[];
  backups: BackupStatus;
  /** etcdup's timers: enabled, next run, last result. */
  timers: TimerStatus[];
  problems: string[];
}

function certSummary(c: CertInspection): StatusReport["certificates"][number] {
  return {
    role: c.role,
    path: c.certPath,
    notAfter: c.notAfter,
    daysLeft: c.daysLeft,
    problems: c.problems.map((p) => p.message),
  };
}

function render(r: StatusReport): string {
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
  const drift = drifted(r.drift);
  lines.push(drift.length === 0 ? "drift: none" : "drift:");
  for (const d of drift) lines.push(`  ${d.status.padEnd(9)} ${d.path}`);
  lines.push(...formatBackupStatus(r.backups));
  lines.push(r.problems.length === 0 ? "ok: nothing needs attention" : "problems:");
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join("\n");
}

/** Runs `etcdup status`. */
export async function run(ctx: ContextOf<typeof statusFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const warnDays = options["expiry-days"];
  const state = requireInstalled(host, "check");
  const problems: string[] = [];
  const svc = serviceManager(host);
  const service = {
    unit: state.unit,
    live: svc.live,
    active: await svc.isActive(state.unit),
    enabled: await svc.isEnabled(state.unit),
  };
  if (svc.live && !service.active) problems.push(`${state.unit} is not active`);
  if (!service.enabled) problems.push(`${state.unit} is not enabled`);

  let health: EndpointHealth[] = [];
  let cluster: ClusterStatus | undefined;
  let clusterError: string | undefined;
  if (svc.live && service.active) {
    const api = new ClusterApi(adminClient(host, state));
    try {
      health = await Promise.all(api.endpoints.map((e) => api.health(e)));
      cluster = await clusterStatus(api).catch((err: Error) => {
        clusterError = err.message;
        return undefined;
      });
    } finally {
      await api.close();
    }
    for (const h of health) if (!h.healthy) problems.push(`${h.endpoint} is unhealthy: ${h.error}`);
    if (clusterError) problems.push(`cluster: ${clusterError}`);
    if (cluster && !cluster.healthy) problems.push("the cluster is not healthy (see the table)");
  }

  const certs = await checkCertificates(resolveTarget({ root: options.root }, "status"), {}, warnDays);
  for (const c of certs) for (const p of c.problems) problems.push(p.message);

  const drift = compareFiles(state.files, currentFiles(host, Object.keys(state.files)));
  for (const d of drifted(drift)) problems.push(`${d.path} is ${d.status} since etcdup wrote it`);
  const backups = await backupStatus(host, state, svc, new Date(), ctx.env);
  problems.push(...backups.problems);

  // Every timer is listed; the backup timer's problems are the backup section's (not counted twice).
  const timers = await timerStatuses(host, state.timers ?? []);
  problems.push(...timerProblems(timers.filter((x) => x.timer !== backups.timer?.unit)));

  const report: StatusReport = {
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
    health,
    cluster,
    clusterError,
    certificates: certs.map(certSummary),
    drift: drifted(drift),
    backups,
    timers,
    problems,
  };
  out.result(report, render(report));
  return problems.length === 0 ? Exit.ok : Exit.check;
}
