/**
 * `etcdup install`, in its order: plan (flags, host facts and the state record; lib/install/plan_install.ts)
 * -> observe (every file, dir, account, unit and PKI file the plan can touch; lib/observe/install.ts) -> plan
 * the PKI and diff (one value, lib/install/diff.ts) -> print it (`--dry-run`, lib/install/dry_run.ts, loaded
 * on demand) or execute it (lib/install/execute.ts), which ends by verifying etcd healthy over mutual TLS. A
 * re-run that changes nothing says so.
 */
import type { ExitCode } from "../errors.ts";
import type { ContextOf } from "../specs/spec.ts";
import type { installFlags } from "../specs/install.ts";
import { planFromContext } from "../install/plan_install.ts";
import { observeInstall } from "../observe/install.ts";
import { executeInstall } from "../install/execute.ts";

/** Runs `etcdup install`. */
export async function run(ctx: ContextOf<typeof installFlags>): Promise<ExitCode> {
  const dryRun = ctx.options["dry-run"];
  const { host, plan, previous } = planFromContext(ctx, "install");
  const observed = await observeInstall(host, plan, previous, dryRun);
  if (dryRun) return await (await import("../install/dry_run.ts")).dryRun(plan, observed, ctx.out);
  for (const n of plan.notes) ctx.out.info(n);
  return await executeInstall(plan, observed, host, ctx.out);
}
