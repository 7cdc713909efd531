/**
 * `etcdup install`: plan -> diff -> apply -> verify. The plan comes from the flags and host facts
 * (lib/install/context.ts); `--dry-run` shows its diff against the host (lib/install/preview.ts); applying
 * installs the release, user, PKI, config and service, and proves etcd healthy over mutual TLS
 * (lib/install/apply.ts). A re-run that changes nothing says so.
 */
import type { ExitCode } from "../errors.ts";
import type { CommandContext } from "../command.ts";
import { planFromContext } from "../install/context.ts";
import { apply } from "../install/apply.ts";

/** Runs `etcdup install`. */
export async function run(ctx: CommandContext): Promise<ExitCode> {
  if (ctx.values["dry-run"]) return await (await import("../install/preview.ts")).dryRun(ctx);
  const { host, plan, previous } = planFromContext(ctx, "install");
  for (const n of plan.notes) ctx.out.info(n);
  return await apply(plan, host, previous, ctx.out);
}
