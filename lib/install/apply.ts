/**
 * Applying an install plan to the host, in order: release, user, data dir, binaries, PKI, config files, state
 * record, service, health. Every step says what it did; a run that changes nothing says "no changes".
 */
import * as path from "node:path";
import { Exit, type ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import { ensureSystemUser } from "../host/accounts.ts";
import { applyDecisions, currentFile, NEW_SUFFIX, removeOrphanTemps } from "../host/apply.ts";
import { decideFiles } from "../plan/diff.ts";
import type { FileDecision } from "../files.ts";
import { type InstallState, STATE_DIR } from "../host/state.ts";
import { configFiles, localClientUrl } from "../plan/desired.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { FileAction } from "../files.ts";
import type { PkiPaths } from "../pki/layout.ts";
import { observePki } from "../pki/observe.ts";
import type { PkiPlan } from "../pki/plan.ts";
import { installBinaries, stageInBinDir } from "../release/binaries.ts";
import type { StagedRelease } from "../release/obtain.ts";
import { selfFile } from "../host/self.ts";
import { completionFile } from "./completion.ts";
import { checkDisk } from "./disk_check.ts";
import { configEntries, pkiEntries } from "./entries.ts";
import { type EtcdIds, pkiRequest, withKeysAhead } from "./pki.ts";
import { recordState } from "./record.ts";
import { placeTimers, runService, serviceChanges } from "./service.ts";
import { checkCalendars } from "../timers/systemd.ts";

/** Steps another command (`join`) runs inside install's sequence. */
export interface InstallHooks {
  /** After the PKI is in place, before etcd's configuration is rendered: may settle the member (join). */
  member?(plan: InstallPlan, pki: PkiPaths): Promise<InstallPlan>;
  /** After etcd is started and healthy (join: promote the learner). */
  healthy?(plan: InstallPlan, pki: PkiPaths): Promise<void>;
}

/** Creates a data or WAL dir etcd:etcd 0700, or corrects its owner and mode; never touches its content. */
function ensureEtcdDir(host: HostRoot, dir: string, what: string, ids: EtcdIds, out: Output): boolean {
  const own = { ...ids, mode: 0o700 };
  if (!host.exists(dir)) {
    host.ensureDir(dir, own);
    out.step(`created ${what} ${dir} (etcd:etcd 0700)`);
    return true;
  }
  if (!host.setOwnership(dir, own)) return false;
  out.step(`${what} ${dir}: owner and mode set to etcd:etcd 0700`);
  return true;
}

/** Creates the etcd system user when missing; returns its ids and whether it was created. */
async function ensureEtcdUser(
  host: HostRoot,
  plan: InstallPlan,
  out: Output,
): Promise<{ ids: EtcdIds; created: boolean }> {
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
  return { ids: { uid: account.uid, gid: account.gid }, created };
}

/** Puts the staged binaries into the bin dir where they differ; returns the paths replaced. */
function placeBinaries(staged: StagedRelease, host: HostRoot, plan: InstallPlan, out: Output): string[] {
  const { changed } = installBinaries(staged, host, plan.paths.binDir);
  out.step(
    changed.length > 0
      ? `installed ${changed.map((p) => path.basename(p)).join(", ")} into ${plan.paths.binDir}`
      : `binaries in ${plan.paths.binDir} already etcd ${plan.release.version}`,
  );
  return changed;
}

/**
 * The certificates a run keeps as they are (valid, right names), other than the CA the planner's notes
 * already name, so a re-run reports each one kept.
 */
export function keptCertificates(pki: PkiPlan): string[] {
  return pki.files.filter((f) => f.action === "keep" && f.role.endsWith("-cert") && f.role !== "ca-cert")
    .map((f) => `${f.role.replace(/-cert$/, "")} certificate ${f.path}`);
}

/** Plans and applies the PKI (keeping what is valid), saying what it did. */
async function placePki(
  plan: InstallPlan,
  host: HostRoot,
  ids: EtcdIds,
  out: Output,
): Promise<PkiPlan> {
  // Loaded only now, after the release is staged: x509's heap would add to the download's peak (issue 17).
  const [{ planPki }, { writePki }] = await Promise.all([
    import("../pki/plan.ts"),
    import("../pki/write.ts"),
  ]);
  const req = pkiRequest(plan);
  const observed = observePki(host, req, { etcd: ids });
  const pki = await withKeysAhead(req, host, out, () => planPki(req, observed));
  for (const w of pki.warnings ?? []) out.warn(`PKI: ${w}`);
  const { backupDir } = writePki(pki, host, new Date(), ids);
  for (const n of pki.notes) out.info(`PKI: ${n}`);
  for (const f of keptCertificates(pki)) out.info(`PKI: kept ${f}`);
  if (backupDir) out.info(`PKI: replaced files backed up in ${backupDir}`);
  return pki;
}

/** A file action as the step log says it once done (the log speaks in the past tense throughout). */
const DONE: Record<Exclude<FileAction, "keep" | "keep-edited">, string> = {
  create: "created",
  update: "updated",
  "fix-owner-mode": "fixed owner and mode of",
};

/**
 * Writes the config files, the completion and etcdup itself (for its timers) where they differ from the
 * plan, keeping files the operator edited (with etcdup's version beside them); returns the decision for each.
 */
async function placeConfig(
  plan: InstallPlan,
  host: HostRoot,
  pki: PkiPaths,
  previous: InstallState | undefined,
  out: Output,
): Promise<FileDecision[]> {
  const completion = await completionFile(plan, host, out);
  const decisions = decideFiles(
    [
      ...configFiles(plan, pki),
      ...(completion ? [completion] : []),
      selfFile(),
    ],
    (p) => currentFile(host, p),
    previous?.files ?? {},
  );
  applyDecisions(host, decisions);
  for (const { file, action } of decisions) {
    if (action === "keep-edited") {
      out.warn(
        `${file.path} was edited since etcdup wrote it: kept; etcdup's version is in ${file.path}${NEW_SUFFIX}`,
      );
    } else if (action !== "keep") out.step(`${DONE[action]} ${file.path}`);
  }
  return decisions;
}

/**
 * Removes what killed runs left in the directories this install writes (temp files, some holding private
 * keys); says how many.
 */
function removeLeftovers(
  host: HostRoot,
  plan: InstallPlan,
  pki: PkiPlan,
  decisions: FileDecision[],
  out: Output,
): void {
  const dirs = [
    "/etc", // the account files etcdup writes under --root (and /etc/shadow restored)
    STATE_DIR,
    plan.paths.binDir,
    ...[...pki.files, ...decisions.map((d) => d.file)].map((f) => path.dirname(f.path)),
  ];
  const removed = removeOrphanTemps(host, dirs, [path.posix.join(pki.paths.dir, "backup")]);
  if (removed.length > 0) {
    out.info(`removed ${removed.length} temp file(s) an interrupted run left: ${removed.join(", ")}`);
  }
}

/** What one apply did, for its result. */
interface Outcome {
  ids: EtcdIds;
  userCreated: boolean;
  dataChanged: boolean;
  binaries: string[];
  pki: PkiPlan;
  decisions: FileDecision[];
  service: string[];
}

/**
 * How the operator checks etcd and uses etcdctl, both ways: the plain-http /health on the loopback metrics
 * port (no certificate; the TLS client port answers plain curl with an empty reply) and etcdctl over mutual
 * TLS with the admin certificate the profile names (root's login shells source it).
 */
export function healthCheckLines(plan: InstallPlan): string[] {
  const m = plan.member;
  return [
    `Check it${plan.service.start ? "" : " once etcd runs"}:`,
    `  curl http://127.0.0.1:${m.metricsPort}/health` +
    `                        # plain http, loopback only (port ${m.clientPort} is TLS-only)`,
    `  . ${plan.paths.profileFile} && etcdctl endpoint health   # mutual TLS as root; login shells load it`,
  ];
}

/** Prints the result: what changed (text and `--json` data), or "no changes: ...". */
function report(plan: InstallPlan, previous: InstallState | undefined, o: Outcome, out: Output): void {
  const changed = o.userCreated || o.dataChanged || o.binaries.length > 0 || o.pki.changed ||
    o.decisions.some((d) => d.action !== "keep" && d.action !== "keep-edited") || o.service.length > 0;
  const where = plan.service.start ? `healthy at ${localClientUrl(plan)}` : "not started";
  const human = [
    changed
      ? `etcd ${plan.release.version} ${previous ? "updated" : "installed"} (${where}).`
      : `no changes: etcd ${plan.release.version} is installed as planned (${where})`,
    ...healthCheckLines(plan),
  ].join("\n");
  out.result({
    changed,
    version: plan.release.version,
    healthy: plan.service.start,
    service: o.service,
    files: [...pkiEntries(o.pki), ...configEntries(o.decisions, o.ids)].filter((e) => e.action !== "keep"),
    binaries: o.binaries,
    notes: [...plan.notes, ...o.pki.notes],
  }, human);
}

/**
 * Applies a plan: release, user, data dir, binaries, PKI, config files, state record, service, health,
 * timers.
 * `previous` is the state record read before planning. Prints each step and the result ("no changes: ..."
 * when nothing changed).
 */
export async function apply(
  plan: InstallPlan,
  host: HostRoot,
  previous: InstallState | undefined,
  out: Output,
  hooks: InstallHooks = {},
): Promise<ExitCode> {
  await checkCalendars(host, plan.timers);
  const staged = await stageInBinDir(plan.release, host, plan.paths.binDir, out);
  try {
    const { ids, created: userCreated } = await ensureEtcdUser(host, plan, out);
    const walDir = plan.paths.walDir;
    const walChanged = walDir !== undefined && ensureEtcdDir(host, walDir, "WAL dir", ids, out);
    const dataChanged = ensureEtcdDir(host, plan.paths.dataDir, "data dir", ids, out) || walChanged;
    checkDisk(plan, host, previous, out);
    const binaries = placeBinaries(staged, host, plan, out);
    const pki = await placePki(plan, host, ids, out);
    if (hooks.member) plan = await hooks.member(plan, pki.paths);
    const decisions = await placeConfig(plan, host, pki.paths, previous, out);
    removeLeftovers(host, plan, pki, decisions, out);
    recordState(host, plan, staged.sha256, pki, ids, decisions, previous);
    const changes = serviceChanges(plan, decisions, pki, binaries.length > 0);
    const service = await runService(plan, host, changes, out);
    service.push(...await placeTimers(plan, host, decisions, previous, out));
    if (hooks.healthy && plan.service.start) await hooks.healthy(plan, pki.paths);
    report(plan, previous, { ids, userCreated, dataChanged, binaries, pki, decisions, service }, out);
    return Exit.ok;
  } finally {
    staged.cleanup();
  }
}
