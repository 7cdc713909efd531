/**
 * When install does not measure the disk (lib/install/disk_check.ts measures it): `--skip-disk-check`,
 * `--root` and re-runs, as the run and the dry run both say. Pure.
 */
import type { InstallState } from "../state_record.ts";
import type { InstallPlan } from "../plan/types.ts";

/** Why the check does not run for this plan, or undefined when it does. */
export function diskCheckSkipped(plan: InstallPlan, previous: InstallState | undefined): string | undefined {
  if (!plan.diskCheck) return plan.root === "/" ? "--skip-disk-check" : `--root ${plan.root}`;
  if (previous !== undefined) return "etcd is installed here already";
  return undefined;
}
