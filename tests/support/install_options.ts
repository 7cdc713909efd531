/**
 * Install's planners from raw flag values, as the command gets them: the values parsed with install's flags
 * (lib/plan/options.ts: each flag's rule, defaults, "" as unset), then planned. One helper, so the planner
 * tests write values as an operator would.
 */
import type { FlagValues } from "../../lib/command.ts";
import type { HostFacts } from "../../lib/facts.ts";
import { buildPlan, type VersionResolver } from "../../lib/plan/build.ts";
import { parseOptions } from "../../lib/plan/options.ts";
import { installFlags, type InstallOptions } from "../../lib/specs/install.ts";
import type { InstallPlan } from "../../lib/plan/types.ts";

/** `values` as install's typed options. */
export function installOptions(values: FlagValues): InstallOptions {
  return parseOptions(installFlags, values);
}

/** The install plan of `values` on a host with `facts` (a bad value throws its usage error, as the CLI would). */
export function planFromValues(
  values: FlagValues,
  facts: HostFacts,
  root: string,
  resolveVersion?: VersionResolver,
): InstallPlan {
  return buildPlan(installOptions(values), facts, root, resolveVersion);
}
