/**
 * `install --dry-run`: the PKI planned and the diff apply would execute made (lib/install/diff.ts), then
 * printed (lib/install/dry_run_print.ts); nothing is written.
 */
import { Exit, type ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { InstallObserved } from "./observed.ts";
import { diffInstall } from "./diff.ts";
import { dryRunOutput } from "./dry_run_print.ts";
import { planInstallPki } from "./pki.ts";

/**
 * The dry run: the PKI planned and the diff made from `observed` as apply makes them (lib/install/execute.ts),
 * then printed: no host read or write, only the observed data. Loaded on demand (lib/commands/install.ts), so a real run does not carry the renderer.
 */
export async function dryRun(
  plan: InstallPlan,
  observed: InstallObserved,
  out: Output,
): Promise<ExitCode> {
  const { data, text } = await dryRunOutputOf(plan, observed, out);
  out.result(data, text);
  return Exit.ok;
}

/** The dry run's data and text, not printed: `join --dry-run` prints its cluster step with them. */
export async function dryRunOutputOf(
  plan: InstallPlan,
  observed: InstallObserved,
  out: Output,
): Promise<{ data: Record<string, unknown>; text: string }> {
  const pki = await planInstallPki(observed.pkiRequest, observed.pki, out, false);
  return dryRunOutput(plan, diffInstall(plan, observed, pki), observed);
}
