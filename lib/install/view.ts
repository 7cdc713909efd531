/**
 * Install's diff as the lines people and `--json` read: the dry run's view (every directory and file with
 * its action) and the list of changes, the same shape for what `--dry-run` says will change and what apply
 * says it changed. Pure.
 */
import { type FileDecision, NEW_SUFFIX } from "../files.ts";
import { baseView, modeString, ownerName, type PlanView, type ViewEntry } from "../plan/render.ts";
import type { InstallPlan } from "../plan/types.ts";
import { ownerLabel } from "../pki/files.ts";
import type { EtcdIds, PkiPlan } from "../pki/types.ts";
import { STATE_FILE } from "../state_record.ts";
import type { InstallDiff } from "./diff.ts";

/** View entries of PKI files (their owners by name: root, etcd). */
export function pkiEntries(pki: PkiPlan): ViewEntry[] {
  return pki.files.map((f) => ({
    path: f.path,
    owner: ownerLabel(f.owner),
    mode: modeString(f.mode),
    action: f.action,
    note: f.role,
  }));
}

/** View entries of config files; a file the operator edited says where etcdup's version went. */
export function configEntries(decisions: FileDecision[], ids: EtcdIds | undefined): ViewEntry[] {
  return decisions.map(({ file, action }) => ({
    path: file.path,
    owner: ownerName(file.uid, file.gid, ids),
    mode: modeString(file.mode),
    action,
    ...(action === "keep-edited"
      ? { note: `edited by you: kept; etcdup's version in ${file.path}${NEW_SUFFIX}` }
      : {}),
  }));
}

/** The directory lines of the diff. */
function dirEntries(diff: InstallDiff): ViewEntry[] {
  return diff.dirs.map((d) => ({
    path: d.path,
    owner: d.etcdOwned ? "etcd:etcd" : "root:root",
    mode: modeString(d.mode),
    action: d.action,
  }));
}

/** The file lines of the diff: binaries, PKI, config files, etcdup, completion, state record. */
function fileEntries(plan: InstallPlan, diff: InstallDiff): ViewEntry[] {
  return [
    ...diff.binaries.map((b) => ({
      path: b.path,
      owner: "root:root",
      mode: "0755",
      action: b.action,
      note: b.reason,
    })),
    ...pkiEntries(diff.pki),
    ...configEntries(diff.files, diff.ids),
    ...(diff.completion.kind === "generate"
      ? [{
        path: plan.paths.completionFile,
        owner: "root:root",
        mode: "0644",
        action: "generate" as const,
        note: "from 'etcdctl completion bash' when this etcdctl has it",
      }]
      : []),
    {
      path: STATE_FILE,
      owner: "root:root",
      mode: "0600",
      action: diff.state,
      note: "etcdup's record of what it owns",
    },
  ];
}

/**
 * The dry run's view of `diff`: header from the plan, every directory and file with its action, the service
 * steps, and `notes` (the plan's and the PKI planner's, in the future tense).
 */
export function diffView(
  plan: InstallPlan,
  diff: InstallDiff,
  notes: string[],
  verification?: string,
): PlanView {
  const base = baseView(plan);
  return {
    ...base,
    release: { ...base.release, ...(verification ? { verification } : {}) },
    user: diff.user,
    dirs: dirEntries(diff),
    files: fileEntries(plan, diff),
    service: diff.serviceSteps,
    notes,
  };
}

/**
 * What the diff changes, as `--dry-run --json` and apply's `--json` result both list it: every directory and
 * file whose action is not "keep", in the view's order.
 */
export function changeList(plan: InstallPlan, diff: InstallDiff): ViewEntry[] {
  const view = diffView(plan, diff, []);
  return [...view.dirs, ...view.files].filter((e) => e.action !== "keep");
}
