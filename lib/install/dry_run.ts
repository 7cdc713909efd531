/**
 * `install --dry-run`: the diff apply would execute (lib/install/diff.ts), printed as text or `--json` data
 * (the view and the list of changes, the shape apply's result lists what it changed in); nothing is written.
 */
import { Exit, type ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../host/state.ts";
import { renderPlanText } from "../plan/render.ts";
import type { InstallPlan } from "../plan/types.ts";
import { diskCheckSkipped } from "./disk_check.ts";
import type { InstallObserved } from "../observe/install.ts";
import { diffInstall, type InstallDiff } from "./diff.ts";
import { planInstallPki } from "./pki.ts";
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
 * Prints the dry run of `diff` (`verification`: how the release will be verified, observed). What is
 * installed was read to compare with, so on a host etcdup installed on it needs root: the permission error
 * is exit 7 like every command's (main.ts).
 */
export function printDryRun(
  plan: InstallPlan,
  diff: InstallDiff,
  observed: Pick<InstallObserved, "previous" | "verification">,
  out: Output,
): ExitCode {
  const view = diffView(plan, diff, dryRunNotes(plan, diff, observed.previous), observed.verification);
  out.result({ dryRun: true, plan: view, changes: changeList(plan, diff) }, renderPlanText(view, plan.root));
  return Exit.ok;
}

/**
 * The dry run: the PKI planned and the diff made from `observed` as apply makes them (lib/install/execute.ts),
 * then printed. Loaded on demand (lib/commands/install.ts), so a real run does not carry the renderer.
 */
export async function dryRun(
  plan: InstallPlan,
  observed: InstallObserved,
  host: HostRoot,
  out: Output,
): Promise<ExitCode> {
  const pki = await planInstallPki(observed.pkiRequest, observed.pki, host, out, false);
  return printDryRun(plan, diffInstall(plan, observed, pki), observed, out);
}
