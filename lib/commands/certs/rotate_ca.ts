/**
 * `etcdup certs rotate-ca [--stage|--finish]`: replace the CA without downtime. Stage (clusters): trust a
 * new CA beside the current one. Switch: the new CA signs every leaf, both CAs trusted. Finish: drop the
 * old CA. Each step restarts etcd and waits for health.
 */
import type { CommandContext, FlagValues } from "../../cli/spec.ts";
import { Exit, type ExitCode, usageError } from "../../errors.ts";
import { loadCaAt } from "../../pki/ca.ts";
import { type CaSource, readCaFlags } from "../../pki/export.ts";
import type { PkiPlan } from "../../pki/plan.ts";
import { planRotation, planRotationFinish, planRotationStage } from "../../pki/rotate.ts";
import { writeExport } from "./export.ts";
import { putInPlace } from "./put.ts";
import { baseRequest, flag, resolveTarget } from "./target.ts";

/** The rotation steps, in order on a cluster: stage (optional on one node), switch, finish. */
type Step = "stage" | "switch" | "finish";

/** Which step runs, with the CA given and the export file asked for; usage errors for flags that do not go together. */
function stepOf(values: FlagValues): { step: Step; given?: CaSource; out?: string } {
  const finish = values.finish === true;
  const stage = values.stage === true;
  const given = readCaFlags({
    caFrom: flag(values, "ca-from"),
    caCert: flag(values, "ca-cert"),
    caKey: flag(values, "ca-key"),
  });
  const out = flag(values, "out");
  if (finish && (given || stage)) {
    throw usageError(
      "conflicting-flags",
      "--finish takes no --stage or CA flags",
      "Run 'rotate-ca --finish' alone.",
    );
  }
  if (stage && !given && !out) {
    throw usageError(
      "missing-out",
      "rotate-ca --stage makes a new CA: --out FILE is required to carry it to the other members",
      "Add --out /root/new-ca.pem, or pass the CA to stage with --ca-from FILE.",
    );
  }
  if (out && !(stage && !given)) {
    throw usageError("unexpected-out", "--out is only for 'rotate-ca --stage' making a new CA");
  }
  return { step: finish ? "finish" : stage ? "stage" : "switch", given, out };
}

/** What the step does, and what to do next. */
function describe(step: Step, exported?: string): { doing: string; next: string } {
  const file = exported ?? "FILE";
  return {
    stage: {
      doing: "staging the new CA",
      next: `Stage the same CA on every other member (rotate-ca --stage --ca-from ${file}), then run ` +
        `'rotate-ca --ca-from ${file}' on each member, one at a time.`,
    },
    switch: {
      doing: "switching to the new CA",
      next: "Give clients the new CA file and new certificates, then run 'etcdup certs rotate-ca --finish'.",
    },
    finish: { doing: "finishing the CA rotation", next: "Old-CA certificates are refused from now on." },
  }[step];
}

/** Runs `certs rotate-ca`. */
export async function run(ctx: CommandContext): Promise<ExitCode> {
  const t = resolveTarget(ctx.values);
  const now = new Date();
  const req = baseRequest(ctx.values, t, now);
  const { step, given, out } = stepOf(ctx.values);
  if (!flag(ctx.values, "key-algorithm") && !t.state) {
    req.algorithm = (await loadCaAt(t.host, t.paths, now)).signer.algorithm;
  }
  let plan: PkiPlan;
  let exported: string | undefined;
  if (step === "finish") {
    plan = await planRotationFinish(req, t.host);
  } else if (step === "stage") {
    const staged = await planRotationStage(req, t.host, given);
    plan = staged.plan;
    if (staged.exportText && out) exported = writeExport(out, staged.exportText, ctx.values.force === true);
  } else {
    plan = await planRotation(req, t.host, given);
  }
  if (!plan.changed) {
    for (const n of plan.notes) ctx.out.info(n);
    ctx.out.result({ notes: plan.notes, written: [], reload: "nothing to do" }, plan.notes.join("\n"));
    return Exit.ok;
  }
  const { doing, next } = describe(step, exported);
  const { applied, reload } = await putInPlace(ctx.values, t, ctx.out, plan, {
    now,
    step: `${doing} in ${t.paths.dir}`,
    restart: true,
  });
  ctx.out.result(
    { notes: plan.notes, written: applied.written, backupDir: applied.backupDir, reload, exported },
    `${reload}\n${exported ? `New CA exported to ${exported} (0600): it holds the CA key.\n` : ""}${next}`,
  );
  return Exit.ok;
}
