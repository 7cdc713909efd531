/**
 * How `install --dry-run` prints its diff: as text or `--json` data (the view and the list of changes, the
 * shape apply's result lists what it changed in), with the notes in the future tense. Pure.
 */
import type { InstallState } from "../state_record.ts";
import { renderPlanText } from "../plan/render.ts";
import type { InstallPlan } from "../plan/types.ts";
import { diskCheckSkipped } from "./disk_skip.ts";
import type { InstallObserved } from "./observed.ts";
import type { InstallDiff } from "./diff.ts";
import { changeList, diffView } from "./view.ts";

/**
 * A PKI planner note in the future tense, as the dry run speaks ("issued CA" -> "will issue CA"), or
 * nothing for what stays as it is (the file list says "keep").
 */
function willDo(note: string): string[] {
  if (/^kept valid\b/.test(note)) return [];
  const verbs: [RegExp, string][] = [[/^issued\b/, "will issue"], [/^reissued\b/, "will reissue"], [
    /^fixed\b/,
    "will fix",
  ], [/^replaced\b/, "will replace"]];
  for (const [re, future] of verbs) if (re.test(note)) return [note.replace(re, future)];
  return [note];
}

/** What a first install does about the disk check (a re-run never measures, so it has nothing to note). */
function diskNote(plan: InstallPlan, state: InstallState | undefined): string[] {
  if (state !== undefined) return [];
  const skipped = diskCheckSkipped(plan, state);
  return [
    skipped
      ? `disk check skipped (${skipped})`
      : `disk check: fdatasync latency will be measured in ${
        plan.paths.walDir ?? plan.paths.dataDir
      } (a warning above 10 ms p99)`,
  ];
}

/** The dry run's notes: the plan's, the PKI planner's in the future tense, the completion's, the disk check's. */
export function dryRunNotes(
  plan: InstallPlan,
  diff: InstallDiff,
  previous: InstallState | undefined,
): string[] {
  const completion = diff.completion.kind === "none" ? [`bash completion: ${diff.completion.reason}`] : [];
  return [...plan.notes, ...diff.pki.notes.flatMap(willDo), ...completion, ...diskNote(plan, previous)];
}

/**
 * The dry run of `diff` (`verification`: how the release will be verified, observed) as `--json` data (the
 * view and the list of changes) and as text; `join --dry-run` adds its cluster step to both. What is
 * installed was read to compare with, so on a host etcdup installed on it needs root: the permission error
 * is exit 7 like every command's (main.ts).
 */
export function dryRunOutput(
  plan: InstallPlan,
  diff: InstallDiff,
  observed: Pick<InstallObserved, "previous" | "verification">,
): { data: Record<string, unknown>; text: string } {
  const view = diffView(plan, diff, dryRunNotes(plan, diff, observed.previous), observed.verification);
  return {
    data: { dryRun: true, plan: view, changes: changeList(plan, diff) },
    text: renderPlanText(view, plan.root),
  };
}
