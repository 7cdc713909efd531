/**
 * `install --dry-run`: everything install would do, computed against the host (user, dirs, binaries, PKI,
 * config files, service steps), printed as text or `--json` data; nothing is written.
 */
import * as path from "node:path";
import { Exit, type ExitCode } from "../errors.ts";
import type { CommandContext } from "../command.ts";
import { type Output, silentOutput } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import { lookupUser } from "../host/accounts.ts";
import { currentFile } from "../host/apply.ts";
import { decideFiles } from "../plan/diff.ts";
import { type InstallState, STATE_FILE } from "../host/state.ts";
import { completionFile } from "./completion.ts";
import { configFiles } from "../plan/desired.ts";
import { baseView, type PlanView, renderPlanText, type ViewEntry } from "../plan/render.ts";
import type { InstallPlan } from "../plan/types.ts";
import { observePki } from "../pki/observe.ts";
import { planPki } from "../pki/plan.ts";
import { requiredBinaries } from "../release/unpack.ts";
import { selfFile } from "../host/self.ts";
import { describeVerification } from "../release/obtain.ts";
import { configEntries, pkiEntries } from "./entries.ts";
import { planFromContext } from "./context.ts";
import { pkiRequest } from "./pki.ts";
import { diskCheckSkipped } from "./disk_check.ts";
import { enabledUnits, serviceChanges, serviceSteps } from "./service.ts";
import { checkCalendars } from "../timers/systemd.ts";

/**
 * Runs `install --dry-run`. What is installed is read to compare with, so on a host etcdup installed on it
 * needs root: the permission error is exit 7 like every command's (main.ts).
 */
export async function dryRun(ctx: CommandContext): Promise<ExitCode> {
  const { host, plan, previous } = planFromContext(ctx, "install");
  return await previewPlan(plan, host, previous, ctx.out);
}

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

/** Builds and prints the dry-run view. */
async function previewPlan(
  plan: InstallPlan,
  host: HostRoot,
  state: InstallState | undefined,
  out: Output,
): Promise<ExitCode> {
  await checkCalendars(host, plan.timers);
  const account = lookupUser(host, plan.user.name);
  const ids = account ? { uid: account.uid, gid: account.gid } : { uid: -1, gid: -1 };
  const req = pkiRequest(plan);
  const pki = await planPki(req, observePki(host, req, account ? { etcd: ids } : {}));
  for (const w of pki.warnings ?? []) out.warn(`PKI: ${w}`);
  const sameRelease = state?.version === plan.release.version && state.binDir === plan.paths.binDir;
  // The installed etcdctl of the same release makes the same completion: compare it like apply does.
  const completion = sameRelease ? await completionFile(plan, host, silentOutput) : undefined;
  const decisions = decideFiles(
    [...configFiles(plan, pki.paths), selfFile(), ...(completion ? [completion] : [])],
    (p) => currentFile(host, p),
    state?.files ?? {},
  );
  const bins: ViewEntry[] = requiredBinaries(plan.release.version).map((b) => ({
    path: path.join(plan.paths.binDir, b),
    owner: "root:root",
    mode: "0755",
    action: sameRelease ? "keep" : "install",
    note: sameRelease
      ? "same release as installed; re-checked on apply"
      : `from etcd ${plan.release.version}`,
  }));
  const dir = (p: string, owner: string, mode: string): ViewEntry => ({
    path: p,
    owner,
    mode,
    action: host.stat(p) ? "keep" : "create",
  });
  const base = baseView(plan);
  const source = plan.release.source; // a --bundle is resolved to its tarball while planning
  const verification = source.kind === "bundle"
    ? undefined
    : await describeVerification({ ...plan.release, source });
  const view: PlanView = {
    ...base,
    release: { ...base.release, ...(verification ? { verification } : {}) },
    user: account
      ? { name: plan.user.name, action: "keep", uid: account.uid }
      : { name: plan.user.name, action: "create" },
    dirs: [
      dir(plan.paths.dataDir, "etcd:etcd", "0700"),
      ...(plan.paths.walDir ? [dir(plan.paths.walDir, "etcd:etcd", "0700")] : []),
      dir(plan.pki.pkiDir, "root:root", "0755"),
      ...[...new Set(plan.timers.flatMap((j) => j.writePaths))].map((p) => dir(p, "root:root", "0700")),
    ],
    files: [
      ...bins,
      ...pkiEntries(pki),
      ...configEntries(decisions, ids),
      ...(completion ? [] : [{
        path: plan.paths.completionFile,
        owner: "root:root",
        mode: "0644",
        action: "generate" as const,
        note: "from 'etcdctl completion bash' when this etcdctl has it",
      }]),
    ],
    service: serviceSteps(
      plan,
      serviceChanges(plan, decisions, pki, !sameRelease),
      state,
      await enabledUnits(plan, host),
    ),
    notes: [...plan.notes, ...pki.notes.flatMap(willDo), ...diskNote(plan, state)],
  };
  const changes = !account || view.dirs.some((d) => d.action !== "keep") ||
    view.files.some((f) => f.action !== "keep" && f.action !== "keep-edited");
  view.files.push({
    path: STATE_FILE,
    owner: "root:root",
    mode: "0600",
    action: state === undefined ? "create" : changes ? "update" : "keep",
    note: "etcdup's record of what it owns",
  });
  out.result({ dryRun: true, plan: view }, renderPlanText(view, plan.root));
  return Exit.ok;
}
