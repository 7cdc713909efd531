/**
 * Executing install's diff (lib/install/diff.ts) on the host, in order: release (only when a binary is to
 * be installed), user, data dir, binaries, PKI, config files, state record, service, health, timers. Every
 * step says what it did; the result lists the changes in the dry run's shape; a run that changes nothing says
 * "no changes".
 */
import * as path from "node:path";
import { Exit, type ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import { ensureSystemUser } from "../host/accounts.ts";
import { applyDecisions, currentFile, removeOrphanTemps } from "../host/file_writes.ts";
import { type FileAction, NEW_SUFFIX, type OwnedFile } from "../files.ts";
import { writeState } from "../host/state.ts";
import { type InstallState, STATE_DIR } from "../state_record.ts";
import { localClientUrl } from "../plan/desired.ts";
import type { InstallPlan } from "../plan/types.ts";
import type { PkiPaths } from "../pki/layout.ts";
import type { EtcdIds, ObservedPki, PkiPlan } from "../pki/types.ts";
import { cleanStaleStaging, installBinaries, stageInBinDir } from "../release/binaries.ts";
import type { StagedRelease } from "../release/obtain.ts";
import { completionFile } from "./completion.ts";
import { checkDisk } from "./disk_check.ts";
import type { InstallObserved } from "./observed.ts";
import { binaryChanges } from "../plan/binaries.ts";
import { changesHost, diffInstall, type InstallDiff } from "./diff.ts";
import { planInstallPki } from "./pki.ts";
import { stateRecord } from "./record.ts";
import { placeTimers, runService } from "./service.ts";
import { changeList, configEntries, pkiEntries } from "./view.ts";

/** Steps another command (`join`) runs inside install's sequence. */
export interface InstallHooks {
  /** After the PKI is in place, before etcd's configuration is rendered: may settle the member (join). */
  member?(plan: InstallPlan, pki: PkiPaths): Promise<InstallPlan>;
  /** After etcd is started and healthy (join: promote the learner). */
  healthy?(plan: InstallPlan, pki: PkiPaths): Promise<void>;
  /** What the hooks did, added to the result (join: the cluster steps done); `changed`: they changed something. */
  result?(): { changed: boolean; data: Record<string, unknown> };
}

/** Creates etcd's data and WAL dirs (etcd:etcd 0700) or corrects their owner and mode, as the diff says. */
function placeEtcdDirs(host: HostRoot, diff: InstallDiff, ids: EtcdIds, out: Output): void {
  for (const d of diff.dirs.filter((d) => d.etcdOwned && d.action !== "keep")) {
    const own = { ...ids, mode: d.mode };
    if (d.action === "create") {
      host.ensureDir(d.path, own);
      out.step(`created ${d.path} (etcd:etcd 0700)`);
    } else {
      host.setOwnership(d.path, own);
      out.step(`${d.path}: owner and mode set to etcd:etcd 0700`);
    }
  }
}

/** Creates the etcd system user when the diff says so (and finds it otherwise); returns its ids. */
async function ensureEtcdUser(host: HostRoot, plan: InstallPlan, out: Output): Promise<EtcdIds> {
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
  return { uid: account.uid, gid: account.gid };
}

/**
 * Puts the binaries in place as the diff says: the staged release's where it says "install" (a byte-identical
 * one stays, it is that release's already), owner and mode where it says "fix-owner-mode". Returns the
 * paths whose bytes changed.
 */
function placeBinaries(
  staged: StagedRelease | undefined,
  host: HostRoot,
  plan: InstallPlan,
  diff: InstallDiff,
  out: Output,
): string[] {
  for (const b of diff.binaries.filter((b) => b.action === "fix-owner-mode")) {
    host.setOwnership(b.path, { uid: 0, gid: 0, mode: 0o755 });
    out.step(`fixed owner and mode of ${b.path}`);
  }
  if (staged === undefined) {
    out.step(`binaries in ${plan.paths.binDir} already etcd ${plan.release.version} (as recorded)`);
    return [];
  }
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
function keptCertificates(pki: PkiPlan): string[] {
  return pki.files.filter((f) => f.action === "keep" && f.role.endsWith("-cert") && f.role !== "ca-cert")
    .map((f) => `${f.role.replace(/-cert$/, "")} certificate ${f.path}`);
}

/**
 * Writes the planned PKI (from the files it was planned from, `observed`), owners named "etcd" getting `ids`,
 * saying what it did. The writer is loaded only
 * now (with the planner, after the release is staged): x509's heap would add to the download's peak.
 */
async function placePki(
  pki: PkiPlan,
  observed: ObservedPki,
  host: HostRoot,
  ids: EtcdIds,
  out: Output,
): Promise<void> {
  const { writePki } = await import("../pki/write.ts");
  const { backupDir } = writePki(pki, observed, host, new Date(), ids);
  for (const n of pki.notes) out.info(`PKI: ${n}`);
  for (const f of keptCertificates(pki)) out.info(`PKI: kept ${f}`);
  if (backupDir) out.info(`PKI: replaced files backed up in ${backupDir}`);
}

/** A file action as the step log says it once done (the log speaks in the past tense throughout). */
const DONE: Record<Exclude<FileAction, "keep" | "keep-edited">, string> = {
  create: "created",
  update: "updated",
  "fix-owner-mode": "fixed owner and mode of",
};

/**
 * Writes the config files, the completion and etcdup itself (for its timers) as the diff decided, keeping
 * files the operator edited (with etcdup's version beside them).
 */
function placeConfig(host: HostRoot, diff: InstallDiff, out: Output): void {
  applyDecisions(host, diff.files);
  for (const { file, action } of diff.files) {
    if (action === "keep-edited") {
      out.warn(
        `${file.path} was edited since etcdup wrote it: kept; etcdup's version is in ${file.path}${NEW_SUFFIX}`,
      );
    } else if (action !== "keep") out.step(`${DONE[action]} ${file.path}`);
  }
}

/**
 * Removes what killed runs left in the directories this install writes (temp files, some holding private
 * keys); says how many.
 */
function removeLeftovers(host: HostRoot, plan: InstallPlan, diff: InstallDiff, out: Output): void {
  const dirs = [
    "/etc", // the account files etcdup writes under --root (and /etc/shadow restored)
    STATE_DIR,
    plan.paths.binDir,
    ...[...diff.pki.files, ...diff.files.map((d) => d.file)].map((f) => path.dirname(f.path)),
  ];
  const removed = removeOrphanTemps(host, dirs, [path.posix.join(diff.pki.paths.dir, "backup")]);
  if (removed.length > 0) {
    out.info(`removed ${removed.length} temp file(s) an interrupted run left: ${removed.join(", ")}`);
  }
}

/**
 * Writes the state record when the diff says it changes: the installed binaries' digests (read back: they
 * are what is in place now), the tarball's (the staged one, else the recorded one's).
 */
function placeRecord(
  host: HostRoot,
  plan: InstallPlan,
  diff: InstallDiff,
  ids: EtcdIds,
  tarballSha256: string | undefined,
  previous: InstallState | undefined,
): void {
  if (diff.state === "keep") return;
  const binaries: Record<string, OwnedFile> = {};
  for (const b of diff.binaries) {
    const now = currentFile(host, b.path);
    if (now) binaries[b.path] = now;
  }
  const state = stateRecord(plan, binaries, tarballSha256, diff.pki, ids, diff.files, previous);
  writeState(host, { ...state, updatedAt: new Date().toISOString() });
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

/**
 * Prints the result: what changed (text and `--json` data, the changes in the dry run's shape, with what the
 * hooks add), or "no changes".
 */
function report(
  plan: InstallPlan,
  diff: InstallDiff,
  previous: InstallState | undefined,
  binaries: string[],
  service: string[],
  out: Output,
  hooked: { changed: boolean; data: Record<string, unknown> } = { changed: false, data: {} },
): void {
  const changed = changesHost(diff) || service.length > 0 || hooked.changed;
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
    service,
    files: [...pkiEntries(diff.pki), ...configEntries(diff.files, diff.ids)].filter((e) =>
      e.action !== "keep"
    ),
    binaries,
    changes: changeList(plan, diff),
    notes: [...plan.notes, ...diff.pki.notes],
    ...hooked.data,
  }, human);
}

/**
 * Executes the diff of `plan` against `observed` (made just before): release, user, data dir, binaries,
 * PKI, config files, state record, service, health, timers. The release is fetched and verified only when a
 * binary is to be installed (the binaries' rule needs no PKI), and before the PKI is planned: the planner's
 * x509 then adds nothing to the download's peak. The diff is the dry run's (diffInstall of the same
 * observation). The completion the diff could not know (new binaries) is generated from the installed
 * etcdctl. When `hooks.member` changes the plan (join), the files are decided again against the same
 * observation. Prints each step and the result ("no changes: ..." when nothing changed).
 */
export async function executeInstall(
  plan: InstallPlan,
  observed: InstallObserved,
  host: HostRoot,
  out: Output,
  hooks: InstallHooks = {},
): Promise<ExitCode> {
  const previous = observed.previous;
  const needsRelease = binaryChanges(plan, previous, observed.files).some((b) => b.action === "install");
  const staged = needsRelease ? await stageInBinDir(plan.release, host, plan.paths.binDir, out) : undefined;
  // Staging cleans what dead runs left in the bin dir; without staging, that is done here.
  if (!needsRelease) {
    for (const stale of cleanStaleStaging(host, plan.paths.binDir)) {
      out.info(`removed stale staging dir ${stale}`);
    }
  }
  try {
    const pki = await planInstallPki(observed.pkiRequest, observed.pki, out, true);
    let diff = diffInstall(plan, observed, pki);
    const ids = await ensureEtcdUser(host, plan, out);
    placeEtcdDirs(host, diff, ids, out);
    checkDisk(plan, host, previous, out);
    const binaries = placeBinaries(staged, host, plan, diff, out);
    await placePki(pki, observed.pki, host, ids, out);
    if (hooks.member) plan = await hooks.member(plan, pki.paths);
    const generate = diff.completion.kind === "generate";
    const completion = generate ? await completionFile(plan, host, out) : undefined;
    if (hooks.member || completion) {
      diff = { ...diffInstall(plan, observed, pki, completion), binaries: diff.binaries };
    }
    if (generate && !completion) diff = { ...diff, completion: { kind: "none", reason: "none generated" } };
    diff = { ...diff, pki, ids };
    placeConfig(host, diff, out);
    removeLeftovers(host, plan, diff, out);
    placeRecord(host, plan, diff, ids, staged?.sha256 ?? previous?.tarballSha256, previous);
    const service = await runService(plan, host, diff.service, out);
    service.push(...await placeTimers(plan, host, diff.files, previous, out));
    if (hooks.healthy && plan.service.start) await hooks.healthy(plan, pki.paths);
    report(plan, diff, previous, binaries, service, out, hooks.result?.());
    return Exit.ok;
  } finally {
    staged?.cleanup();
  }
}
