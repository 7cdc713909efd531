/**
 * The service end of install, run: daemon-reload, enable, start or restart as the diff's service changes say
 * (lib/plan/service_steps.ts), then health over mutual TLS; the timers.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import type { FileDecision } from "../files.ts";
import { serviceManager } from "../host/systemd.ts";
import { localClientUrl } from "../plan/desired.ts";
import { writesContent } from "../plan/diff.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { ServiceChanges } from "../plan/service_steps.ts";
import { pkiPaths } from "../pki/layout.ts";
import { likelyFix } from "../etcd/diagnose.ts";
import { adminTlsClient } from "../etcd/admin_client.ts";
import type { InstallState } from "../state_record.ts";
import { retiredTimers, timerFiles } from "../plan/timer_units.ts";
import { runTimers } from "../timers/systemd.ts";
import { dropStaleForce } from "../recovery/force.ts";

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
