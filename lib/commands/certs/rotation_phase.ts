/**
 * The phase record of a CA rotation (lib/state_record.ts CA_ROTATION_FILE), decided and read purely: the
 * record each step of `certs rotate-ca` leaves (`staging` while the stage runs, `staged` once done; likewise
 * `switching`/`switched`; `finishing`, then none), and what `certs check` says of it: the phase, whether a
 * step was cut short, and the exact command to run next on this member. The CA file alone cannot tell: a
 * staged and a switched PKI both trust two CAs with the leaves chaining to the first.
 */
import type { CaRotation, CaRotationPhase } from "../../state_record.ts";
import { pendingRotation, recordedRotation } from "../../pki/journal.ts";
import type { PkiPaths } from "../../pki/layout.ts";
import { certificatePem, parseCertificates } from "../../pki/pem.ts";
import type { ObservedPki } from "../../pki/types.ts";
import type { Target } from "../../observe/certs.ts";

/** The rotation steps, in order on a cluster: stage (optional on one node), switch, finish. */
export type Step = "stage" | "switch" | "finish";

/** The phase recorded while `step` runs, and once it is done (none after the finish). */
export const PHASE_OF: Record<Step, { running: CaRotationPhase; done?: CaRotationPhase }> = {
  stage: { running: "staging", done: "staged" },
  switch: { running: "switching", done: "switched" },
  finish: { running: "finishing" },
};

/** Whether two records say the same (the time each was written aside). */
export function sameRecord(a: CaRotation | undefined, b: CaRotation | undefined): boolean {
  const strip = (r?: CaRotation) => r && JSON.stringify({ ...r, at: undefined });
  return strip(a) === strip(b);
}

/** What `certs check` reports of a rotation in progress. */
export interface RotationReport {
  phase: CaRotationPhase;
  /** A step began and did not finish (killed, or failed midway): re-run it (`rotation-interrupted`). */
  interrupted: boolean;
  /** When the phase was recorded (or the switch began). */
  since: string;
  /** The new CA's subject. */
  newCa?: string;
  /** The command to run next on this member. */
  next: string;
  /** What comes with or after it (the other members, the clients). */
  then?: string;
}

/** The flags that find the PKI of `t` again (`--root`, and `--layout`/`--pki-dir` the install record does not give). */
export function whereFlags(t: Target): string[] {
  const recorded = t.state?.layout === t.layout && t.state.pkiDir === t.paths.dir;
  return [
    ...(t.host.isLive ? [] : ["--root", t.host.root]),
    ...(recorded ? [] : ["--layout", t.layout, "--pki-dir", t.paths.dir]),
  ];
}

/** `etcdup certs rotate-ca ARGS` with the flags that find this PKI (`where`). */
function command(args: string[], where: string[]): string {
  return ["etcdup certs rotate-ca", ...args, ...where].join(" ");
}

/** The next command of `phase` for the new CA named by `caFlags` (`exported`: where a stage being made exports it). */
export function nextStep(
  phase: CaRotationPhase,
  r: { caFlags?: string[]; exported?: string },
  where: string[],
): { next: string; then?: string } {
  const flags = r.caFlags ?? [];
  switch (phase) {
    case "staging":
      return { next: command(["--stage", ...(r.exported ? ["--out", r.exported] : flags)], where) };
    case "staged":
      return {
        next: command(flags, where),
        then: `first stage the same CA on every other member (${
          command(["--stage", ...flags], [])
        }); then switch each member, one at a time`,
      };
    case "switching":
      return { next: command(flags, where) };
    case "switched":
      return {
        next: command(["--finish"], where),
        then:
          "once every member is switched and the clients have the new CA file and new certificates; old-CA clients are refused from then on",
      };
    case "finishing":
      return { next: command(["--finish"], where) };
  }
}

/**
 * The rotation of the PKI at `paths` as observed (the phase record, and the switch's journal, which wins:
 * it is what a re-run resumes), or undefined when none is in progress by either.
 */
export function rotationReport(
  observed: ObservedPki,
  paths: PkiPaths,
  where: string[],
): RotationReport | undefined {
  const rec = current(recordedRotation(observed, paths), observed, paths);
  const pending = pendingRotation(observed);
  if (!rec && !pending) return undefined;
  const phase = pending ? "switching" : rec!.phase;
  const newCa = rec ? subjectOf(rec.caCert) : pending ? subjectOf(pending.bundle) : undefined;
  return {
    phase,
    interrupted: phase === "staging" || phase === "switching" || phase === "finishing",
    since: pending?.startedAt ?? rec!.at,
    ...(newCa ? { newCa } : {}),
    ...nextStep(phase, rec ?? {}, where),
  };
}

/**
 * `rec` unless it is stale: a finished phase (`staged`, `switched`) whose CA the CA file no longer holds
 * (the PKI was removed and made anew since: `uninstall --purge`, then `install`).
 */
function current(
  rec: CaRotation | undefined,
  observed: ObservedPki,
  paths: PkiPaths,
): CaRotation | undefined {
  if (!rec || (rec.phase !== "staged" && rec.phase !== "switched")) return rec;
  const f = observed.files[paths.caCert];
  let held: string[] = [];
  try {
    held = parseCertificates(f && !f.missing ? f.text ?? "" : "", paths.caCert).map((c) => certificatePem(c));
  } catch { /* an unreadable CA file holds no CA: check reports it as bad-pem */ }
  return held.includes(rec.caCert) ? rec : undefined;
}

/** The subject of the first certificate of `pem`, or undefined when it does not parse. */
function subjectOf(pem: string): string | undefined {
  try {
    return parseCertificates(pem, "the rotation record")[0].subject;
  } catch {
    return undefined;
  }
}
