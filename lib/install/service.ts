/**
 * The service end of install: what changed that systemd or etcd must notice, the steps that follow (shown by
 * the dry run), and running them: daemon-reload, enable, start or restart, then health over mutual TLS.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import type { FileDecision } from "../files.ts";
import { serviceManager } from "../host/systemd.ts";
import { localClientUrl } from "../plan/desired.ts";
import { writesContent } from "../plan/diff.ts";
import type { InstallPlan } from "../plan/types.ts";
import { pkiPaths } from "../pki/layout.ts";
import type { PkiPlan } from "../pki/plan.ts";
import { likelyFix } from "../etcd/diagnose.ts";
import { adminTlsClient } from "../etcd/admin_client.ts";
import type { InstallState } from "../host/state.ts";
import { timerFiles, timerUnit } from "../plan/timer_units.ts";
import { retiredTimers, runTimers, timerSteps } from "../timers/systemd.ts";
import { dropStaleForce } from "../recovery/force.ts";

/** What applying changes that the service must notice. */
export interface ServiceChanges {
  /** The unit file's content changes: systemd must reload it (and etcd restart). */
  unitChanged: boolean;
  /** Something etcd reads changes (binaries, its certificates, env file): a running etcd restarts. */
  etcdChanged: boolean;
}

/**
 * Which changes reach systemd and etcd: the unit file, files etcd reads, the CA, server and peer
 * certificates (not the admin client's), and the binaries.
 */
export function serviceChanges(
  plan: InstallPlan,
  decisions: FileDecision[],
  pki: PkiPlan,
  binariesChanged: boolean,
): ServiceChanges {
  const pkiChanged = pki.files.some((f) =>
    (f.action === "create" || f.action === "replace") && /^(ca|server|peer)-/.test(f.role)
  );
  return {
    unitChanged: decisions.some((d) => d.file.path === plan.paths.unitFile && writesContent(d.action)),
    etcdChanged: binariesChanged || pkiChanged ||
      decisions.some((d) => d.file.readByEtcd && writesContent(d.action)),
  };
}

/**
 * The service actions applying takes, in order, as the dry run shows them (etcd's, then the timers');
 * `enabled` (the units enabled already: etcd's, timers) leaves out the enables that would change nothing.
 */
export function serviceSteps(
  plan: InstallPlan,
  changes: ServiceChanges,
  previous: InstallState | undefined,
  enabled: ReadonlySet<string> = new Set(),
): string[] {
  const toEnable = plan.timers.filter((j) => !enabled.has(timerUnit(j)));
  return [
    ...etcdSteps(plan, changes, enabled.has(plan.service.unit)),
    ...timerSteps(plan.root, toEnable, retiredTimers(previous?.timers, plan.timers), plan.service.start),
  ];
}

/** The units of `plan` (etcd's and its timers) that are enabled now, for {@link serviceSteps}. */
export async function enabledUnits(plan: InstallPlan, host: HostRoot): Promise<Set<string>> {
  const svc = serviceManager(host);
  const units = [plan.service.unit, ...plan.timers.map(timerUnit)];
  const on = await Promise.all(units.map((u) => svc.isEnabled(u).catch(() => false)));
  return new Set(units.filter((_, i) => on[i]));
}

function etcdSteps(plan: InstallPlan, changes: ServiceChanges, enabled: boolean): string[] {
  const u = plan.service.unit;
  const enable = enabled ? [] : [`systemctl${plan.root !== "/" ? ` --root ${plan.root}` : ""} enable ${u}`];
  if (plan.root !== "/") return [...enable, `${u} is never started under --root`];
  const steps = [...(changes.unitChanged ? ["systemctl daemon-reload"] : []), ...enable];
  if (!plan.service.start) return [...steps, `not started (--no-start)`];
  return [
    ...steps,
    changes.etcdChanged
      ? `start ${u} (restart if running)`
      : `start ${u} if not running (nothing etcd reads changes)`,
    `wait up to ${plan.service.healthTimeoutMs / 1000}s for ${localClientUrl(plan)}/health over mutual TLS`,
  ];
}

/**
 * Enables the unit, starts or restarts etcd as `changes` require and waits for health; on failure shows the
 * journal and the likely fix (exit 4). Returns what it did ("daemon-reload", "enabled", "started",
 * "restarted"); nothing when all was already so.
 */
export async function runService(
  plan: InstallPlan,
  host: HostRoot,
  changes: ServiceChanges,
  out: Output,
): Promise<string[]> {
  const svc = serviceManager(host);
  const unit = plan.service.unit;
  const did: string[] = [];
  await dropStaleForce(host, unit, svc, out);
  if (changes.unitChanged && svc.live) {
    await svc.daemonReload();
    did.push("daemon-reload");
  }
  const wasEnabled = await svc.isEnabled(unit);
  await svc.enable(unit);
  if (!wasEnabled) did.push("enabled");
  if (!plan.service.start) {
    out.step(`${unit} enabled, not started (${svc.live ? "--no-start" : `--root ${host.root}`})`);
    return did;
  }
  const noBlock = plan.member.initialCluster.split(",").length > 1;
  const pki = pkiPaths(plan.pki.layout, plan.pki.pkiDir);
  try {
    if (!(await svc.isActive(unit))) {
      out.step(`starting ${unit}`);
      await svc.start(unit, { noBlock });
      did.push("started");
    } else if (changes.etcdChanged || changes.unitChanged) {
      out.step(`restarting ${unit} (something etcd reads changed)`);
      await svc.restart(unit, { noBlock });
      did.push("restarted");
    }
    out.step(`waiting for ${localClientUrl(plan)}/health over mutual TLS`);
    // Loaded here: the TLS client (undici) is needed only when etcd is started (issue 17).
    const { waitHealthy } = await import("../etcd/health.ts");
    await waitHealthy({
      ...adminTlsClient(host, pki, [localClientUrl(plan)]),
      timeoutMs: plan.service.healthTimeoutMs,
    });
  } catch (err) {
    const journal = await svc.journalTail(unit, 30);
    if (journal.trim()) out.warn(`last lines of 'journalctl -u ${unit}':\n${journal.trimEnd()}`);
    throw new EtcdupError({
      code: "unhealthy",
      message: `etcd was installed but is not healthy: ${(err as Error).message}`,
      hint: likelyFix(journal + "\n" + (err as Error).message),
      exit: Exit.health,
      cause: err,
    });
  }
  out.step(`etcd is healthy at ${localClientUrl(plan)}`);
  return did;
}

/**
 * Enables the plan's timers (started with etcd, restarted when their units changed) and retires the ones the
 * previous install had and the plan no longer does. Returns what it did.
 */
export function placeTimers(
  plan: InstallPlan,
  host: HostRoot,
  decisions: FileDecision[],
  previous: InstallState | undefined,
  out: Output,
): Promise<string[]> {
  const paths = new Set(plan.timers.flatMap(timerFiles).map((f) => f.path));
  return runTimers(serviceManager(host), host, plan.timers, {
    retired: retiredTimers(previous?.timers, plan.timers),
    recorded: previous?.files ?? {},
    changed: decisions.some((d) => paths.has(d.file.path) && writesContent(d.action)),
    start: plan.service.start,
  }, out);
}
