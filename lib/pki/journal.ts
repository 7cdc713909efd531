/**
 * The record of an unfinished CA switch (`certs rotate-ca` without --stage/--finish), so that a run killed
 * at any of its writes is finished by the next one: the new CA file (new CA then old) and the new CA key are
 * written here, root 0600 beside `ca.key`, before any file of the PKI changes, and the file is removed only
 * once every file is in place (write.ts writes and removes it; observe.ts reads it). A re-run that finds it
 * writes those same CA files and reissues every leaf from that CA, whatever the kill left (`ca.key` new and
 * `ca.crt` old, some leaves from either CA). Beside it, the phase the rotation is in (lib/state_record.ts
 * CA_ROTATION_FILE, written by rotate_ca.ts, observed by observe.ts) is read here too.
 */
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import type { CaRotation, CaRotationPhase } from "../state_record.ts";
import type { PkiPaths } from "./layout.ts";
import type { ObservedPki } from "./types.ts";

/** The CA files a switch writes, and when it began. */
export interface RotationJournal {
  schema: 1;
  startedAt: string;
  /** The new CA file: the new CA's certificate, then the old CA's. */
  bundle: string;
  /** The new CA's private key. */
  keyPem: string;
}

/** Where the record of an unfinished switch of the PKI at `paths` is kept (target path). */
export function rotationJournalPath(paths: PkiPaths): string {
  return path.posix.join(path.posix.dirname(paths.caKey), "rotate-ca.pending.json");
}

/**
 * The unfinished switch observed (the journal text, see observe.ts), or undefined (none, or a record cut
 * short: none began).
 */
export function pendingRotation(observed: ObservedPki): RotationJournal | undefined {
  if (observed.journal === undefined) return undefined;
  const j = JSON.parse(observed.journal) as Partial<RotationJournal>;
  if (j.schema !== 1 || typeof j.bundle !== "string" || typeof j.keyPem !== "string") return undefined;
  return j as RotationJournal;
}

/**
 * Refuses (`rotation-interrupted`, exit 7) to use the CA of the PKI at `paths` while a switch is unfinished:
 * its `ca.key` and `ca.crt` may be of two CAs until `certs rotate-ca` finishes it.
 */
export function refuseUnfinishedRotation(observed: ObservedPki, paths: PkiPaths): void {
  const pending = pendingRotation(observed);
  if (pending) throw unfinishedRotation(paths, pending);
}

/** The error for using the CA while the switch `pending` is unfinished. */
export function unfinishedRotation(paths: PkiPaths, pending: RotationJournal): EtcdupError {
  return new EtcdupError({
    code: "rotation-interrupted",
    message: `a CA switch begun at ${pending.startedAt} did not finish (${rotationJournalPath(paths)})`,
    hint:
      "Finish it first: run 'etcdup certs rotate-ca' (without --stage/--finish; --ca-from only with that CA).",
    exit: Exit.precondition,
  });
}

const PHASES: readonly CaRotationPhase[] = ["staging", "staged", "switching", "switched", "finishing"];

/**
 * The phase record observed for the PKI at `paths`, or undefined (none, one about another PKI directory, or
 * one this release cannot read: a rotation is then told by the CA file alone).
 */
export function recordedRotation(observed: ObservedPki, paths: PkiPaths): CaRotation | undefined {
  if (observed.rotation === undefined) return undefined;
  let r: Partial<CaRotation>;
  try {
    r = JSON.parse(observed.rotation) as Partial<CaRotation>;
  } catch {
    return undefined;
  }
  const ok = r.schema === 1 && r.pkiDir === paths.dir && PHASES.includes(r.phase!) &&
    typeof r.caCert === "string" && typeof r.at === "string";
  return ok ? r as CaRotation : undefined;
}
