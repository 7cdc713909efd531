/**
 * `etcdup certs renew [all|ROLE|NAME...]`: reissue the layout's leaves and named client pairs from the
 * existing CA, then restart etcd and wait for health (old files restored when it does not come back).
 *
 * The walk: observe the PKI (lib/observe/certs.ts), plan which certificates are reissued and why
 * (renew_plan.ts), then print that plan (`--dry-run`) or write exactly its files (put.ts: verified,
 * atomic, backed up), restart and verify.
 */
import { type ContextOf, given } from "../../specs/spec.ts";
import type { renewFlags } from "../../specs/certs.ts";
import { Exit, type ExitCode, usageError } from "../../errors.ts";
import type { Output } from "../../output.ts";
import { textfilePath, writeCertMetrics } from "../../monitor/textfile.ts";
import { observeRenew, type RenewObserved, resolveTarget, type Target } from "../../observe/certs.ts";
import { putInPlace } from "./put.ts";
import { wantedSans } from "./target.ts";
import { checkCertificates } from "./check.ts";
import { planRenew, type RenewPlan } from "./renew_plan.ts";
import { describeRenew, renewDryRunData } from "./renew_view.ts";

/** Refuses flags that do not go together, before anything is read. */
function checkFlags(ctx: ContextOf<typeof renewFlags>): void {
  if (ctx.options["if-expiring"] && ctx.positionals.length > 0) {
    throw usageError(
      "if-expiring-with-names",
      `--if-expiring picks the certificates itself; it does not take names (${ctx.positionals.join(", ")})`,
      "Drop the names, or drop --if-expiring to renew exactly those.",
    );
  }
  if (!ctx.options["if-expiring"] && given(ctx, "window")) {
    throw usageError("window-without-if-expiring", "--window only applies with --if-expiring");
  }
}

/** Writes `plan`'s files from what was `observed` (read once), restarts etcd as the options say; returns the result to report. */
async function apply(
  ctx: ContextOf<typeof renewFlags>,
  t: Target,
  plan: RenewPlan,
  observed: RenewObserved,
  now: Date,
) {
  const { applied, reload } = await putInPlace(t, ctx.out, plan.pki, observed.pki, {
    now,
    signer: plan.signer,
    step: `renewing ${plan.asked.join(", ")} in ${t.paths.dir}`,
    restart: ctx.options,
    recordSans: plan.recordSans,
  });
  return {
    data: {
      renewed: plan.asked,
      notes: plan.pki.notes,
      written: applied.written,
      backupDir: applied.backupDir,
      reload,
    },
    text: reload!,
  };
}

/** `--prometheus`: the textfile metrics refreshed after the run (the timer's job: renewal and monitoring in one). */
async function refreshMetrics(ctx: ContextOf<typeof renewFlags>, t: Target): Promise<void> {
  const o = ctx.options;
  if (o.prometheus) {
    writeCertMetrics(textfilePath(o.prometheus), await checkCertificates(t, o, o.window), new Date());
  }
}

/** Prints the plan's warnings (the CA expiring). */
function warn(out: Output, plan: RenewPlan): void {
  for (const w of plan.warnings) out.warn(w);
}

/** Runs `certs renew`. */
export async function run(ctx: ContextOf<typeof renewFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  checkFlags(ctx);
  const t = resolveTarget(options);
  const now = new Date();
  const ifExpiring = options["if-expiring"]
    ? { sans: wantedSans(options, t), window: options.window }
    : undefined;
  const observed = await observeRenew(t, ctx.positionals, ifExpiring);
  const plan = await planRenew(
    options,
    { names: ctx.positionals, certDaysGiven: given(ctx, "cert-days"), now },
    t,
    observed,
  );
  warn(out, plan);

  if (options["dry-run"]) {
    out.result(renewDryRunData(plan, options), describeRenew(plan, options));
    return Exit.ok;
  }
  if (plan.nothingDue) {
    await refreshMetrics(ctx, t);
    out.result(
      { renewed: [], window: plan.window, reload: "not restarted" },
      `nothing expires within ${plan.window} days: no certificate renewed, etcd not restarted`,
    );
    return Exit.ok;
  }
  if (plan.window !== undefined) out.info(`expiring within ${plan.window} days: ${plan.asked.join(", ")}`);
  const result = await apply(ctx, t, plan, observed, now);
  await refreshMetrics(ctx, t);
  out.result(result.data, result.text);
  return Exit.ok;
}
