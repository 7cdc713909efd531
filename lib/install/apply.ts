/**
 * Applying an install plan to the host, in order: release, user, data dir, binaries, PKI, config files, state
 * record, service, health. Every step says what it did; a run that changes nothing says "no changes".
 */
import * as path from "node:path";
import { Exit, type ExitCode } from "../errors.ts";
import type { CommandContext } from "../cli/spec.ts";
import type { Output } from "../cli/output.ts";
import type { HostRoot } from "../host/fs.ts";
import { ensureSystemUser } from "../host/accounts.ts";
import { applyDecisions, decideFiles, type FileDecision } from "../host/apply.ts";
import type { InstallState } from "../host/state.ts";
import { configFiles, localClientUrl } from "../plan/desired.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { PkiPaths } from "../pki/layout.ts";
import { planPki } from "../pki/plan.ts";
import { applyPki } from "../pki/apply.ts";
import { installBinaries, stageInBinDir } from "../release/binaries.ts";
import { completionFile } from "./completion.ts";
import { configEntries, pkiEntries } from "./entries.ts";
import { type EtcdIds, pkiRequest } from "./pki.ts";
import { recordState } from "./record.ts";
import { runService, serviceChanges } from "./service.ts";

/** Steps another command (`join`) runs inside install's sequence. */
export interface InstallHooks {
  /** After the PKI is in place, before etcd's configuration is rendered: may settle the member (join). */
  member?(plan: InstallPlan, pki: PkiPaths): Promise<InstallPlan>;
  /** After etcd is started and healthy (join: promote the learner). */
  healthy?(plan: InstallPlan, pki: PkiPaths): Promise<void>;
}

/** Creates the data dir etcd:etcd 0700, or corrects its owner and mode; never touches its content. */
function ensureDataDir(host: HostRoot, dir: string, ids: EtcdIds, out: Output): boolean {
  const own = { ...ids, mode: 0o700 };
  if (host.stat(dir) === undefined) {
    host.ensureDir(dir, own);
    out.step(`created data dir ${dir} (etcd:etcd 0700)`);
    return true;
  }
  if (!host.setOwnership(dir, own)) return false;
  out.step(`data dir ${dir}: owner and mode set to etcd:etcd 0700`);
  return true;
}

/** Writes the config files (and completion) that differ, saying what it did with each. */
function applyConfig(host: HostRoot, decisions: FileDecision[], out: Output): void {
  applyDecisions(host, decisions);
  for (const { file, action } of decisions) {
    if (action === "keep-edited") {
      out.warn(
        `${file.path} was edited since etcdup wrote it: kept; etcdup's version is in ${file.path}.etcdup-new`,
      );
    } else if (action !== "keep") out.step(`${action} ${file.path}`);
  }
}

/**
 * Applies a plan: release, user, data dir, binaries, PKI, config files, state record, service, health.
 * `previous` is the state record read before planning. Prints each step and the result ("no changes: ..."
 * when nothing changed).
 */
export async function apply(
  plan: InstallPlan,
  host: HostRoot,
  previous: InstallState | undefined,
  ctx: CommandContext,
  hooks: InstallHooks = {},
): Promise<ExitCode> {
  const out = ctx.out;
  const staged = await stageInBinDir(plan.release, host, plan.paths.binDir, out);
  try {
    const { account, created } = await ensureSystemUser(host, {
      name: plan.user.name,
      home: plan.user.home,
      description: "etcd key-value store",
    });
    out.step(
      created
        ? `created system user etcd (uid ${account.uid})`
        : `system user etcd exists (uid ${account.uid})`,
    );
    const ids = { uid: account.uid, gid: account.gid };
    const dataChanged = ensureDataDir(host, plan.paths.dataDir, ids, out);

    const bins = installBinaries(staged, host, plan.paths.binDir);
    out.step(
      bins.changed.length > 0
        ? `installed ${bins.changed.map((p) => path.basename(p)).join(", ")} into ${plan.paths.binDir}`
        : `binaries in ${plan.paths.binDir} already etcd ${plan.release.version}`,
    );

    const pki = await planPki(pkiRequest(plan, ids, ctx.values), host);
    const pkiResult = applyPki(pki, host, new Date());
    for (const n of pki.notes) out.info(`PKI: ${n}`);
    if (pkiResult.backupDir) out.info(`PKI: replaced files backed up in ${pkiResult.backupDir}`);
    if (hooks.member) plan = await hooks.member(plan, pki.paths);

    const completion = await completionFile(plan, host, out);
    const decisions = decideFiles(host, [
      ...configFiles(plan, pki.paths),
      ...(completion ? [completion] : []),
    ], previous?.files ?? {});
    applyConfig(host, decisions, out);
    recordState(host, plan, staged.sha256, pki, decisions, previous);

    const changes = serviceChanges(plan, decisions, pki, bins.changed.length > 0);
    const serviceDid = await runService(plan, host, changes, out);
    if (hooks.healthy && plan.service.start) await hooks.healthy(plan, pki.paths);

    const changed = created || dataChanged || bins.changed.length > 0 || pki.changed ||
      decisions.some((d) => d.action !== "keep" && d.action !== "keep-edited") || serviceDid.length > 0;
    const where = plan.service.start ? `healthy at ${localClientUrl(plan)}` : "not started";
    const human = changed
      ? `etcd ${plan.release.version} ${previous ? "updated" : "installed"} (${where}). ` +
        `For etcdctl as root: . ${plan.paths.profileFile}`
      : `no changes: etcd ${plan.release.version} is installed as planned (${where})`;
    out.result({
      changed,
      version: plan.release.version,
      healthy: plan.service.start,
      service: serviceDid,
      files: [...pkiEntries(pki, ids), ...configEntries(decisions, ids)].filter((e) => e.action !== "keep"),
      binaries: bins.changed,
      notes: [...plan.notes, ...pki.notes],
    }, human);
    return Exit.ok;
  } finally {
    staged.cleanup();
  }
}
