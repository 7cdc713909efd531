/**
 * The words of a `certs renew` plan (renew_plan.ts) for `--dry-run`: what is reissued and why, which names
 * server and peer gain or drop, every file written with its action, and what happens to etcd. Pure.
 */
import type { RestartOptions } from "./put.ts";
import { renewChanges, type RenewPlan } from "./renew_plan.ts";

/** What the run would do about etcd once the files are in place. */
function restartLine(o: RestartOptions): string {
  return o["no-restart"]
    ? "etcd is not restarted (--no-restart): restart it to load the new files"
    : "then etcd is restarted, when it runs, and must answer healthy over mTLS with the new admin certificate (else the old files are put back)";
}

/** The `--json` data of the dry run: the reasons, the list of changes (path, role, action), the notes. */
export function renewDryRunData(plan: RenewPlan, o: RestartOptions) {
  return {
    dryRun: true,
    renew: plan.asked,
    ...(plan.window !== undefined ? { window: plan.window } : {}),
    reasons: plan.reasons,
    changes: renewChanges(plan),
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
  const changes = renewChanges(plan);
  lines.push(changes.length > 0 ? "Would write:" : "Would write nothing.");
  for (const c of changes) lines.push(`  ${c.action.padEnd(9)} ${c.path}`);
  if (changes.some((c) => c.action === "replace")) {
    lines.push("(the replaced files kept under <pki-dir>/backup/<UTC time>/)");
  }
  lines.push(restartLine(o));
  return lines.join("\n");
}
