/**
 * `etcdup status`: what etcdup installed (from the state record), the unit's state, health over mutual TLS,
 * the cluster as this member sees it, every certificate problem `certs check` finds, drift from the record,
 * etcdup's timers and the backups (newest snapshot's age here and in the bucket, the backup timer's last
 * result). Observe (lib/observe/status.ts) -> report and render (lib/daytwo/status_report.ts, pure). Exits 6
 * when anything needs attention, so it can serve as a monitoring check.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { statusFlags } from "../specs/status.ts";
import { Exit, type ExitCode } from "../errors.ts";
import { hostOf } from "../daytwo/preconditions.ts";
import { renderStatus, statusReport } from "../daytwo/status_report.ts";
import { requireInstalled } from "../observe/installed.ts";
import { resolveTarget } from "../observe/certs.ts";
import { observeStatus } from "../observe/status.ts";
import { wantedSans } from "./certs/target.ts";

/** Runs `etcdup status`. */
export async function run(ctx: ContextOf<typeof statusFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf(options);
  const state = requireInstalled(host, "check");
  const target = resolveTarget({ root: options.root }, "status");
  const certs = { target, sans: wantedSans({}, target), warnDays: options["expiry-days"] };
  const report = statusReport(await observeStatus(host, state, certs, ctx.env));
  out.result(report, renderStatus(report));
  return report.problems.length === 0 ? Exit.ok : Exit.check;
}
