/**
 * The words of a `certs renew` plan (renew_plan.ts) for `--dry-run`: what is reissued and why, which names
 * server and peer gain or drop, every file written with its action, and what happens to etcd. Pure.
 */
import type { RestartOptions } from "./put.ts";
import { changeLines, pkiChanges, restartLine } from "./pki_view.ts";
import type { RenewPlan } from "./renew_plan.ts";

/** The `--json` data of the dry run: the reasons, the list of changes (path, role, action), the notes. */
export function renewDryRunData(plan: RenewPlan, o: RestartOptions) {
  return {
    dryRun: true,
    renew: plan.asked,
    ...(plan.window !== undefined ? { window: plan.window } : {}),
    reasons: plan.reasons,
    changes: pkiChanges(plan.pki),
    notes: plan.pki.notes,
    restart: !plan.nothingDue && !o["no-restart"],
  };
}

/** The dry run as text. */
export function describeRenew(plan: RenewPlan, o: RestartOptions): string {
  if (plan.nothingDue) {
    return `nothing expires within ${plan.window} days: would renew no certificate and not restart etcd`;
  }
  const lines = ["Would renew:"];
  for (const r of plan.reasons) {
    const sans = r.sans
      ? `; SANs ${[...r.sans.added.map((n) => `+${n}`), ...r.sans.dropped.map((n) => `-${n}`)].join(" ")}`
      : "";
    lines.push(`  ${r.name}: ${r.why}${r.planner ? ` (${r.planner})` : ""}${sans}`);
  }
  lines.push(...changeLines(pkiChanges(plan.pki)));
  lines.push(restartLine(o));
  return lines.join("\n");
}
