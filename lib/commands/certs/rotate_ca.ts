/**
 * `etcdup certs rotate-ca [--stage|--finish]`: replace the CA without downtime. Stage (clusters): trust a
 * new CA beside the current one. Switch: the new CA signs every leaf, both CAs trusted. Finish: drop the
 * old CA. Each step restarts etcd and waits for health. The PKI is observed once, each phase planned from
 * that (lib/pki/rotate.ts), and `--dry-run` prints the phase's plan instead of writing it.
 */
import * as path from "node:path";
import type { ContextOf, Options } from "../../specs/spec.ts";
import type { rotateCaFlags } from "../../specs/certs.ts";
import { asEtcdupError, Exit, type ExitCode, usageError } from "../../errors.ts";
import { removeOrphanTemps } from "../../host/file_writes.ts";
import { STATE_DIR } from "../../state_record.ts";
import { loadCaAt } from "../../pki/ca.ts";
import type { CaSource } from "../../pki/export.ts";
import { pendingRotation, rotationJournalPath } from "../../pki/journal.ts";
import { readCaFlags } from "../../pki/observe.ts";
import type { PkiPlan } from "../../pki/plan.ts";
import { pendingCa, planRotation, planRotationFinish, planRotationStage } from "../../pki/rotate.ts";
import { removeRotationJournal, writeRotationJournal } from "../../pki/write.ts";
import { exportTarget, writeExport } from "./export.ts";
import { putInPlace } from "./put.ts";
import { changeLines, pkiChanges, restartLine } from "./pki_view.ts";
import { observeTarget, resolveTarget } from "../../observe/certs.ts";
import { baseRequest } from "./target.ts";

/** The rotation steps, in order on a cluster: stage (optional on one node), switch, finish. */
type Step = "stage" | "switch" | "finish";

/** Which step runs, with the CA given and the export file asked for; usage errors for flags that do not go together. */
function stepOf(o: Options<typeof rotateCaFlags>): { step: Step; given?: CaSource; out?: string } {
  const { finish, stage, out } = o;
  const given = readCaFlags({ caFrom: o["ca-from"], caCert: o["ca-cert"], caKey: o["ca-key"] });
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

/**
 * The dry run of `step`: the phase, every file written with its action, the CA export (stage) and the
 * switch's record, the planner's notes, the restart; `exported` is where the export would go.
 */
function rotationDryRun(step: Step, plan: PkiPlan, o: Options<typeof rotateCaFlags>, exported?: string) {
  const changes = plan.changed ? pkiChanges(plan) : [];
  const { doing, next } = describe(step, exported);
  const journal = step === "switch" && plan.changed ? rotationJournalPath(plan.paths) : undefined;
  const text = [
    `Would run the ${step} phase (${doing}):`,
    ...plan.notes.map((n) => `  ${n}`),
    ...changeLines(changes),
    ...(exported ? [`Would export the new CA (cert and key, 0600) to ${exported}`] : []),
    ...(journal ? [`The switch is recorded in ${journal} until every file is in place.`] : []),
    ...(changes.length > 0 ? [restartLine(o)] : []),
    `Next: ${next}`,
  ];
  return {
    data: {
      dryRun: true,
      step,
      changes,
      notes: plan.notes,
      exported,
      journal,
      restart: changes.length > 0 && !o["no-restart"],
    },
    text: text.join("\n"),
  };
}

/** What a switch records before its first write: the CA file and CA key it puts in place. */
function journalOf(plan: PkiPlan, startedAt: string): { startedAt: string; bundle: string; keyPem: string } {
  const content = (role: string) => plan.files.find((f) => f.role === role)!.content;
  return { startedAt, bundle: content("ca-cert"), keyPem: content("ca-key") };
}

/** Runs `certs rotate-ca`. */
export async function run(ctx: ContextOf<typeof rotateCaFlags>): Promise<ExitCode> {
  const { options } = ctx;
  const t = resolveTarget(options);
  const now = new Date();
  const req = baseRequest(options, t, now);
  const { step, given, out } = stepOf(options);
  // the dry run refuses an export target exactly as the run would, before anything is planned
  const outFile = out ? exportTarget(out, options.force) : undefined;
  const observed = observeTarget(t);
  const pending = pendingRotation(observed);
  if (!options["key-algorithm"] && !t.state) {
    const ca = pending ? await pendingCa(pending, t.paths, now) : await loadCaAt(observed, t.paths, now);
    req.algorithm = ca.signer.algorithm;
  }
  let plan: PkiPlan;
  let exported: string | undefined;
  if (step === "finish") {
    plan = await planRotationFinish(req, observed);
  } else if (step === "stage") {
    const staged = await planRotationStage(req, observed, given);
    plan = staged.plan;
    if (staged.exportText && outFile && options["dry-run"]) exported = outFile;
    else if (staged.exportText && outFile) exported = writeExport(outFile, staged.exportText, options.force);
  } else {
    plan = await planRotation(req, observed, given);
  }
  if (options["dry-run"]) {
    const data = rotationDryRun(step, plan, options, exported);
    ctx.out.result(data.data, data.text);
    return Exit.ok;
  }
  if (!plan.changed) {
    for (const n of plan.notes) ctx.out.info(n);
    ctx.out.result({ notes: plan.notes, written: [], reload: "nothing to do" }, plan.notes.join("\n"));
    return Exit.ok;
  }
  const { doing, next } = describe(step, exported);
  const journal = step === "switch" ? journalOf(plan, pending?.startedAt ?? now.toISOString()) : undefined;
  const { applied, reload } = await putInPlace(t, ctx.out, plan, observed, {
    now,
    step: `${doing} in ${t.paths.dir}`,
    restart: options,
    beforeWrite: journal && (() => writeRotationJournal(t.host, t.paths, journal)),
  }).catch((err) => {
    // rolled back after an unhealthy restart: the old files are in place again, nothing left to finish
    if (journal && asEtcdupError(err).code === "renewal-rolled-back") removeRotationJournal(t.host, t.paths);
    throw err;
  });
  if (journal) {
    const dirs = [...new Set([STATE_DIR, ...plan.files.map((f) => path.posix.dirname(f.path))])];
    removeOrphanTemps(t.host, dirs, [path.posix.join(t.paths.dir, "backup")]);
    removeRotationJournal(t.host, t.paths);
  }
  ctx.out.result(
    { notes: plan.notes, written: applied.written, backupDir: applied.backupDir, reload, exported },
    `${reload}\n${exported ? `New CA exported to ${exported} (0600): it holds the CA key.\n` : ""}${next}`,
  );
  return Exit.ok;
}
