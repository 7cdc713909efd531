/**
 * `install --dry-run`: everything install would do, computed against the host (user, dirs, binaries, PKI,
 * config files, service steps), printed as text or `--json` data; nothing is written.
 */
import * as path from "node:path";
import { Exit, type ExitCode } from "../errors.ts";
import type { CommandContext } from "../cli/spec.ts";
import type { Output } from "../cli/output.ts";
import type { HostRoot } from "../host/fs.ts";
import { lookupUser } from "../host/accounts.ts";
import { decideFiles } from "../host/apply.ts";
import type { InstallState } from "../host/state.ts";
import { configFiles } from "../plan/desired.ts";
import { baseView, type PlanView, renderPlanText, type ViewEntry } from "../plan/render.ts";
import type { InstallPlan } from "../plan/types.ts";
import { planPki } from "../pki/plan.ts";
import { requiredBinaries } from "../release/unpack.ts";
import { selfFile } from "../host/self.ts";
import { describeVerification } from "../release/obtain.ts";
import { configEntries, pkiEntries } from "./entries.ts";
import { planFromContext } from "./context.ts";
import { pkiRequest } from "./pki.ts";
import { serviceChanges, serviceSteps } from "./service.ts";
import { checkCalendars } from "../timers/systemd.ts";

/**
 * Runs `install --dry-run`. What is installed is read to compare with, so on a host etcdup installed on it
 * needs root: the permission error is exit 7 like every command's (main.ts).
 */
export async function dryRun(ctx: CommandContext): Promise<ExitCode> {
  const { host, plan, previous } = planFromContext(ctx, "install");
  return await previewPlan(plan, host, previous, ctx.out);
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
  const pki = await planPki(pkiRequest(plan, ids), host);
  for (const w of pki.warnings ?? []) out.warn(`PKI: ${w}`);
  const decisions = decideFiles(host, [...configFiles(plan, pki.paths), selfFile()], state?.files ?? {});
  const sameRelease = state?.version === plan.release.version && state.binDir === plan.paths.binDir;
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
      ...pkiEntries(pki, ids),
      ...configEntries(decisions, ids),
      {
        path: plan.paths.completionFile,
        owner: "root:root",
        mode: "0644",
        action: "generate",
        note: "from 'etcdctl completion bash' when this etcdctl has it",
      },
    ],
    service: serviceSteps(plan, serviceChanges(plan, decisions, pki, !sameRelease), state),
    notes: [...plan.notes, ...pki.notes],
  };
  out.result({ dryRun: true, plan: view }, renderPlanText(view, plan.root));
  return Exit.ok;
}
