/**
 * `etcdup recover`: a majority of the members is gone for good, this member's data is fine. In its order:
 * observe (the member list from this member's peer URL, every member asked over mutual TLS, what a killed
 * run left; lib/observe/recover.ts) -> plan the steps with their reasons, or refuse while the cluster has
 * quorum (lib/recovery/plan.ts) -> print them (`--dry-run`, lib/recovery/view.ts) or carry out exactly them
 * (lib/recovery/execute.ts: record the members dropped, start etcd once with --force-new-cluster, check it
 * is a healthy one-member cluster, record that, remove the flag, restart normally, check again) -> print the
 * `join --replace` commands for the dropped members. A run killed at any point is finished by running it
 * again.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { recoverFlags } from "../specs/recover.ts";
import { Exit, type ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { type ServiceManager, serviceManager } from "../host/systemd.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";
import { observeRecover } from "../observe/recover.ts";
import { FIXED_PATHS } from "../plan/build.ts";
import { planRecover, type RecoverPlan } from "../recovery/plan.ts";
import { describeDone, describeDryRun, describeRefusedCleanup, dryRunData } from "../recovery/view.ts";
import { executeRecover } from "../recovery/execute.ts";

/** The member list is read from etcd here: a stopped etcd is started first (not by a dry run). */
async function startToAsk(svc: ServiceManager, unit: string, out: Output): Promise<void> {
  if (await svc.isActive(unit)) return;
  out.step(`starting ${unit} to read its member list`);
  await svc.start(unit, { noBlock: true });
}

/** `--dry-run`: the steps apply would carry out, or the clean-up and the refusal. */
function printDryRun(plan: RecoverPlan, ctx: ContextOf<typeof recoverFlags>, name: string): ExitCode {
  if (plan.kind === "refuse") {
    for (const line of describeRefusedCleanup(plan.steps)) ctx.out.warn(line);
    throw plan.refusal;
  }
  for (const note of plan.notes) ctx.out.info(note);
  ctx.out.result(dryRunData(plan), describeDryRun(plan, name));
  return Exit.ok;
}

/** Runs `etcdup recover`. */
export async function run(ctx: ContextOf<typeof recoverFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const dryRun = options["dry-run"];
  const host = hostOf({}); // recover takes no --root: always the live host
  const state = requireInstalled(host, "recover");
  requireRoot(host, "recover");
  const svc = serviceManager(host);
  const client = adminClient(host, state);
  const timeoutMs = options["health-timeout"];
  if (!dryRun) await startToAsk(svc, state.unit, out);
  const observed = await observeRecover(host, state, client, {
    envFile: FIXED_PATHS.envFile,
    timeoutMs: dryRun ? 5_000 : timeoutMs,
  });
  const plan = planRecover(observed, new Date());
  if (dryRun) return printDryRun(plan, ctx, state.name);

  const r = { host, state, svc, client, timeoutMs, out };
  if (plan.kind === "refuse") {
    await executeRecover(r, plan);
    throw plan.refusal;
  }
  for (const note of plan.notes) out.info(note);
  const steps = await executeRecover(r, plan);
  out.result(
    {
      recovered: true,
      member: state.name,
      removed: plan.record.removed.map((m) => m.name),
      steps,
      commands: plan.commands,
    },
    describeDone(state, plan.record, plan.commands),
  );
  return Exit.ok;
}
