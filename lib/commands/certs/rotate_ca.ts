/**
 * `etcdup certs rotate-ca [--stage|--finish]`: replace the CA without downtime. Stage (clusters): trust a
 * new CA beside the current one. Switch: the new CA signs every leaf, both CAs trusted. Finish: drop the
 * old CA. Each step restarts etcd and waits for health. The PKI is observed once, each phase planned from
 * that (lib/pki/rotate.ts), and `--dry-run` prints the phase's plan instead of writing it. Each step records
 * its phase under the state dir (rotation_phase.ts: `staging` while it runs, `staged` once done, ...), so
 * `certs check` names the next step and a run cut short converges when run again.
 *
 * The walk: which step and which CA (the flags; a cut-short stage's own export), observe, plan the step,
 * decide the phase record, then print (`--dry-run`) or: record the phase running, export the new CA
 * (stage), put the files in place (the switch's journal first), record the phase done.
 */
import * as path from "node:path";
import type { ContextOf, Options } from "../../specs/spec.ts";
import type { rotateCaFlags } from "../../specs/certs.ts";
import { asEtcdupError, Exit, type ExitCode, usageError } from "../../errors.ts";
import { removeOrphanTemps } from "../../host/file_writes.ts";
import { writeRecord } from "../../host/state.ts";
import { CA_ROTATION_FILE, type CaRotation, STATE_DIR } from "../../state_record.ts";
import { loadCaAt } from "../../pki/ca.ts";
import type { CaSource } from "../../pki/export.ts";
import { readPkiFile } from "../../pki/files.ts";
import { pendingRotation, recordedRotation, rotationJournalPath } from "../../pki/journal.ts";
import { readCaFlags } from "../../pki/observe.ts";
import { certificatePem, parseCertificates } from "../../pki/pem.ts";
import type { PkiPlan, PkiRequest } from "../../pki/plan.ts";
import { pendingCa, planRotation, planRotationFinish, planRotationStage } from "../../pki/rotate.ts";
import type { ObservedPki } from "../../pki/types.ts";
import { removeRotationJournal, writeRotationJournal } from "../../pki/write.ts";
import { exportTarget, keptExport, writeExport } from "./export.ts";
import { putInPlace } from "./put.ts";
import { changeLines, type PkiChange, pkiChanges, restartLine } from "./pki_view.ts";
import { nextStep, PHASE_OF, sameRecord, type Step, whereFlags } from "./rotation_phase.ts";
import { observeTarget, resolveTarget, type Target } from "../../observe/certs.ts";
import { baseRequest } from "./target.ts";

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

/**
 * The CA this run rotates to and the flags that name it to the next steps: the CA flags' (paths made
 * absolute); for `--stage --out FILE` the export target (refused as the run would: {@link exportTarget}),
 * unless a stage to FILE was cut short after exporting (the record says so and FILE holds that CA): then
 * FILE is the CA, and the re-run stages that same CA instead of refusing FILE as existing.
 */
function sourceOf(
  o: Options<typeof rotateCaFlags>,
  asked: { step: Step; given?: CaSource; out?: string },
  recorded: CaRotation | undefined,
): { given?: CaSource; caFlags?: string[]; outFile?: string; exported?: string } {
  const abs = (p: string) => path.resolve(p);
  if (asked.given) {
    const caFlags = o["ca-from"]
      ? ["--ca-from", abs(o["ca-from"])]
      : ["--ca-cert", abs(o["ca-cert"]!), "--ca-key", abs(o["ca-key"]!)];
    return { given: asked.given, caFlags };
  }
  if (!asked.out) return recorded?.caFlags ? { caFlags: recorded.caFlags } : {};
  const file = abs(asked.out);
  const mine = recorded?.exported === file && (recorded.phase === "staging" || recorded.phase === "staged");
  const kept = mine ? keptExport(file) : undefined;
  if (kept && certAt(kept.certPem, file) === recorded!.caCert) {
    return { given: kept, caFlags: ["--ca-from", file], exported: file };
  }
  const outFile = exportTarget(asked.out, o.force);
  return { caFlags: ["--ca-from", outFile], outFile, exported: outFile };
}

/** The `i`-th certificate of PEM `text`, as PEM. */
function certAt(text: string, where: string, i = 0): string {
  return certificatePem(parseCertificates(text, where)[i]);
}

/** Plans `step` from `observed`; `exportText` is a stage's new CA to export (when it made one). */
async function planStep(
  step: Step,
  req: PkiRequest,
  observed: ObservedPki,
  given: CaSource | undefined,
): Promise<{ plan: PkiPlan; exportText?: string }> {
  if (step === "finish") return { plan: await planRotationFinish(req, observed) };
  if (step === "stage") return await planRotationStage(req, observed, given);
  return { plan: await planRotation(req, observed, given) };
}

/** The phase records of a step: while it runs, once done (undefined: none, after a finish). */
interface PhaseRecords {
  running?: CaRotation;
  done?: CaRotation;
  /** What the run does to the record file, as the dry run lists it (none when it already says `done`). */
  change?: PkiChange;
}

/** The records `step` leaves (see rotation_phase.ts), from its plan and the CA it rotates to. */
function phaseRecords(
  step: Step,
  t: Target,
  plan: PkiPlan,
  observed: ObservedPki,
  src: { given?: CaSource; caFlags?: string[]; exported?: string },
  recorded: CaRotation | undefined,
  now: Date,
): PhaseRecords {
  // the new CA: the second of a staged CA file (or the one given, already staged), the first of a
  // switched one, the first of the CA file a finish keeps
  const planned = plan.files.find((f) => f.role === "ca-cert")?.content;
  const current = step === "finish" ? readPkiFile(observed, t.paths.caCert) : undefined;
  const caCert = step === "stage"
    ? planned ? certAt(planned, t.paths.caCert, 1) : src.given && certAt(src.given.certPem, src.given.source)
    : step === "switch"
    ? certAt(planned!, t.paths.caCert)
    : current && certAt(current, t.paths.caCert);
  const record = (phase?: CaRotation["phase"]): CaRotation | undefined =>
    phase && caCert
      ? {
        schema: 1,
        pkiDir: t.paths.dir,
        phase,
        caCert,
        ...(src.caFlags ? { caFlags: src.caFlags } : {}),
        ...(src.exported ? { exported: src.exported } : {}),
        at: now.toISOString(),
      }
      : undefined;
  const done = record(PHASE_OF[step].done);
  if (sameRecord(done, recorded)) return { done };
  const action = done ? (recorded ? "replace" : "create") : "remove";
  return {
    running: plan.changed ? record(PHASE_OF[step].running) : undefined,
    done,
    change: { path: CA_ROTATION_FILE, role: "rotation-phase", action },
  };
}

/** Writes the phase record `r`, or removes the record when `r` is undefined. */
function putRecord(t: Target, r: CaRotation | undefined): void {
  if (r) writeRecord(t.host, CA_ROTATION_FILE, r);
  else t.host.remove(CA_ROTATION_FILE);
}

/** What the step does, and the command to run next (`where`: the flags that find this PKI). */
function describe(step: Step, records: PhaseRecords, where: string[]): { doing: string; next: string } {
  const doing = {
    stage: "staging the new CA",
    switch: "switching to the new CA",
    finish: "finishing the CA rotation",
  }[step];
  const done = records.done;
  if (!done) return { doing, next: "Old-CA certificates are refused from now on." };
  const { next, then } = nextStep(done.phase, done, where);
  return { doing, next: `${next}${then ? `\n(${then})` : ""}` };
}

/**
 * The dry run of `step`: the phase, every file written with its action, the CA export (stage) and the
 * switch's record, the phase record, the planner's notes, the restart; `exported` is where the export
 * would go.
 */
function rotationDryRun(
  step: Step,
  plan: PkiPlan,
  o: Options<typeof rotateCaFlags>,
  records: PhaseRecords,
  words: { doing: string; next: string },
  exported?: string,
) {
  const files = plan.changed ? pkiChanges(plan) : [];
  const changes = [...files, ...(records.change ? [records.change] : [])];
  const { doing, next } = words;
  const journal = step === "switch" && plan.changed ? rotationJournalPath(plan.paths) : undefined;
  const text = [
    `Would run the ${step} phase (${doing}):`,
    ...plan.notes.map((n) => `  ${n}`),
    ...changeLines(files),
    ...(exported ? [`Would export the new CA (cert and key, 0600) to ${exported}`] : []),
    ...(journal ? [`The switch is recorded in ${journal} until every file is in place.`] : []),
    ...(records.change
      ? [
        `Would ${records.change.action} the phase record ${CA_ROTATION_FILE}: ${
          records.done?.phase ?? "rotation done"
        }`,
      ]
      : []),
    ...(files.length > 0 ? [restartLine(o)] : []),
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
      phase: records.done?.phase,
      restart: files.length > 0 && !o["no-restart"],
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
  const asked = stepOf(options);
  const { step } = asked;
  const observed = observeTarget(t);
  const recorded = recordedRotation(observed, t.paths);
  // the dry run refuses an export target exactly as the run would, before anything is planned
  const src = sourceOf(options, asked, recorded);
  const pending = pendingRotation(observed);
  if (!options["key-algorithm"] && !t.state) {
    const ca = pending ? await pendingCa(pending, t.paths, now) : await loadCaAt(observed, t.paths, now);
    req.algorithm = ca.signer.algorithm;
  }
  const { plan, exportText } = await planStep(step, req, observed, src.given);
  const exported = exportText ? src.outFile : undefined;
  const records = phaseRecords(step, t, plan, observed, src, recorded, now);
  const words = describe(step, records, whereFlags(t));
  const { doing, next } = words;
  if (options["dry-run"]) {
    const data = rotationDryRun(step, plan, options, records, words, exported);
    ctx.out.result(data.data, data.text);
    return Exit.ok;
  }
  const recordWritten = records.change ? [CA_ROTATION_FILE] : [];
  if (!plan.changed) {
    if (records.change) putRecord(t, records.done);
    for (const n of plan.notes) ctx.out.info(n);
    ctx.out.result(
      { notes: plan.notes, written: recordWritten, reload: "nothing to do" },
      [...plan.notes, next].join("\n"),
    );
    return Exit.ok;
  }
  if (records.running) putRecord(t, records.running);
  if (exportText && exported) writeExport(exported, exportText, options.force);
  const journal = step === "switch" ? journalOf(plan, pending?.startedAt ?? now.toISOString()) : undefined;
  let journaled = false;
  const { applied, reload } = await putInPlace(t, ctx.out, plan, observed, {
    now,
    step: `${doing} in ${t.paths.dir}`,
    restart: options,
    beforeWrite: journal && (() => {
      writeRotationJournal(t.host, t.paths, journal);
      journaled = true;
    }),
  }).catch((err) => {
    // rolled back after an unhealthy restart, or refused before a switch's first write: the old files are
    // in place, and so the old phase (a switch cut short midway keeps its journal and its phase)
    const rolledBack = asEtcdupError(err).code === "renewal-rolled-back";
    if (journal && rolledBack) removeRotationJournal(t.host, t.paths);
    if (records.running && (rolledBack || !journaled)) putRecord(t, recorded);
    throw err;
  });
  if (records.change) putRecord(t, records.done);
  if (journal) {
    const dirs = [...new Set([STATE_DIR, ...plan.files.map((f) => path.posix.dirname(f.path))])];
    removeOrphanTemps(t.host, dirs, [path.posix.join(t.paths.dir, "backup")]);
    removeRotationJournal(t.host, t.paths);
  }
  ctx.out.result(
    {
      notes: plan.notes,
      written: [...applied.written, ...recordWritten],
      backupDir: applied.backupDir,
      reload,
      exported,
      phase: records.done?.phase,
    },
    `${reload}\n${
      exported ? `New CA exported to ${exported} (0600): it holds the CA key.\n` : ""
    }Next: ${next}`,
  );
  return Exit.ok;
}
