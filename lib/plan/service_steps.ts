/**
 * What of install's diff the service must notice (unit reload, etcd restart) and the service steps that
 * follow, as the dry run shows them and apply (lib/install/service.ts) takes them. Pure.
 */
import type { FileDecision } from "../files.ts";
import type { PkiPlan } from "../pki/types.ts";
import { localClientUrl } from "./desired.ts";
import { writesContent } from "./diff.ts";
import { retiredTimers, timerSteps, timerUnit } from "./timer_units.ts";
import type { InstallPlan } from "./types.ts";

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
 * `recordedTimers` (the state record's) are retired when the plan no longer has them; `enabled` (the units
 * enabled already, observed: etcd's, timers') leaves out the enables that would change nothing.
 */
export function serviceSteps(
  plan: InstallPlan,
  changes: ServiceChanges,
  recordedTimers: string[] | undefined,
  enabled: ReadonlySet<string> = new Set(),
): string[] {
  const toEnable = plan.timers.filter((j) => !enabled.has(timerUnit(j)));
  return [
    ...etcdSteps(plan, changes, enabled.has(plan.service.unit)),
    ...timerSteps(plan.root, toEnable, retiredTimers(recordedTimers, plan.timers), plan.service.start),
  ];
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
