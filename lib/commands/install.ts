/**
 * `etcdup install`: flags -> plan -> (dry run: show it) -> release -> user, dirs, binaries, PKI, config
 * -> state record -> systemd -> health over mutual TLS. Thin orchestration over lib/plan, lib/host,
 * lib/release, lib/pki and lib/etcd; every step says what it did, and a re-run that changes nothing says so.
 */
import * as path from "node:path";
import { EtcdupError, Exit, type ExitCode } from "../errors.ts";
import type { CommandContext } from "../cli/spec.ts";
import type { Output } from "../cli/output.ts";
import { installSpec } from "../cli/specs/install.ts";
import { printConfig } from "../cli/print_config.ts";
import { HostRoot, sha256Hex } from "../host/fs.ts";
import { ensureSystemUser, lookupUser } from "../host/accounts.ts";
import { applyDecisions, decideFiles, type FileDecision } from "../host/apply.ts";
import { type InstallState, type OwnedFile, readState, writeState } from "../host/state.ts";
import { serviceManager } from "../host/systemd.ts";
import { gatherFacts, type HostFacts } from "../plan/facts.ts";
import { buildPlan } from "../plan/build.ts";
import { configFiles, localClientUrl } from "../plan/desired.ts";
import { type DesiredFile, writesContent } from "../plan/diff.ts";
import {
  baseView,
  modeString,
  ownerName,
  type PlanView,
  renderPlanText,
  type ViewEntry,
} from "../plan/render.ts";
import type { InstallPlan } from "../plan/types.ts";
import { readCaFlags } from "../pki/export.ts";
import { type PkiPaths, pkiPaths } from "../pki/layout.ts";
import { type PkiPlan, type PkiRequest, planPki } from "../pki/plan.ts";
import { applyPki } from "../pki/apply.ts";
import { bundleTarball, obtainRelease, type StagedRelease } from "../release/obtain.ts";
import { cleanStaleStaging, installBinaries } from "../release/binaries.ts";
import { BINARIES } from "../release/unpack.ts";
import { waitHealthy } from "../etcd/health.ts";
import { likelyFix } from "../etcd/diagnose.ts";
import { atLeast, parseEtcdVersion } from "../etcd/version.ts";

/** Ids of the etcd account (negative placeholders in a dry run before it exists). */
interface EtcdIds {
  uid: number;
  gid: number;
}

/** The binaries a version ships (etcdutl first came with 3.5). */
function binaryNames(version: string): string[] {
  return BINARIES.filter((b) => b !== "etcdutl" || atLeast(parseEtcdVersion(version), 3, 5));
}

/** The PKI request of the plan. */
function pkiRequest(plan: InstallPlan, ids: EtcdIds, values: CommandContext["values"]): PkiRequest {
  const s = (k: string) => (typeof values[k] === "string" ? values[k] as string : undefined);
  const ca = readCaFlags({ caFrom: s("ca-from"), caCert: s("ca-cert"), caKey: s("ca-key") });
  return {
    layout: plan.pki.layout,
    pkiDir: plan.pki.pkiDir,
    algorithm: plan.pki.algorithm,
    memberName: plan.member.name,
    sans: plan.pki.sans,
    certDays: plan.pki.certDays,
    caDays: plan.pki.caDays,
    ...(ca ? { ca } : {}),
    etcdUid: ids.uid,
    etcdGid: ids.gid,
    now: new Date(),
  };
}

/** Fails unless this host can be installed on (root, systemd running on a live host). */
export function checkPreconditions(host: HostRoot, facts: HostFacts): void {
  if (!facts.isRoot) {
    throw new EtcdupError({
      code: "not-root",
      message: "etcdup install must run as root (it creates a user, writes /etc and sets file owners)",
      hint: "Run it with sudo; 'etcdup install --dry-run' shows the plan without root.",
      exit: Exit.precondition,
    });
  }
  if (host.isLive && host.stat("/run/systemd/system") === undefined) {
    throw new EtcdupError({
      code: "no-systemd",
      message: "systemd is not running on this host (/run/systemd/system is missing)",
      hint: "etcdup runs etcd as a systemd service; to prepare an image instead, use --root DIR.",
      exit: Exit.precondition,
    });
  }
  if (!host.isLive && host.stat("/")?.isDirectory !== true) {
    throw new EtcdupError({
      code: "root-missing",
      message: `--root ${host.root} is not a directory`,
      hint: "Create it first (e.g. the mounted image's root).",
      exit: Exit.precondition,
    });
  }
}

/** View entries of PKI files. */
function pkiEntries(pki: PkiPlan, ids: EtcdIds): ViewEntry[] {
  return pki.files.map((f) => ({
    path: f.path,
    owner: ownerName(f.uid, f.gid, ids),
    mode: modeString(f.mode),
    action: f.action,
    note: f.role,
  }));
}

/** View entries of config files. */
function configEntries(decisions: FileDecision[], ids: EtcdIds): ViewEntry[] {
  return decisions.map(({ file, action }) => ({
    path: file.path,
    owner: ownerName(file.uid, file.gid, ids),
    mode: modeString(file.mode),
    action,
    ...(action === "keep-edited"
      ? { note: `edited by you: kept; etcdup's version in ${file.path}.etcdup-new` }
      : {}),
  }));
}

/** `--dry-run`: everything install would do, computed against the host, nothing written. */
async function dryRun(plan: InstallPlan, host: HostRoot, ctx: CommandContext): Promise<ExitCode> {
  try {
    return await previewPlan(plan, host, ctx);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause ?? err;
    if ((cause as { code?: string }).code !== "EACCES") throw err;
    throw new EtcdupError({
      code: "dry-run-needs-root",
      message: `--dry-run cannot read what is installed: ${(cause as Error).message}`,
      hint:
        "On a host etcdup already installed on, the PKI keys and the state record are root-only: run it as root.",
      exit: Exit.precondition,
      cause: err,
    });
  }
}

/** Builds and prints the dry-run view. */
async function previewPlan(plan: InstallPlan, host: HostRoot, ctx: CommandContext): Promise<ExitCode> {
  const state = readState(host);
  const account = lookupUser(host, plan.user.name);
  const ids = account ? { uid: account.uid, gid: account.gid } : { uid: -1, gid: -1 };
  const pki = await planPki(pkiRequest(plan, ids, ctx.values), host);
  const decisions = decideFiles(host, configFiles(plan, pki.paths), state?.files ?? {});
  const sameRelease = state?.version === plan.release.version && state.binDir === plan.paths.binDir;
  const bins: ViewEntry[] = binaryNames(plan.release.version).map((b) => ({
    path: path.join(plan.paths.binDir, b),
    owner: "root:root",
    mode: "0755",
    action: sameRelease ? "keep" : "install",
    note: sameRelease
      ? "same release as installed; re-checked on apply"
      : `from etcd ${plan.release.version}`,
  }));
  const unitChanges = decisions.some((d) => d.file.path === plan.paths.unitFile && writesContent(d.action));
  const etcdChanges = !sameRelease || pki.changed ||
    decisions.some((d) => d.file.readByEtcd && writesContent(d.action));
  const view: PlanView = {
    ...baseView(plan),
    user: account
      ? { name: plan.user.name, action: "keep", uid: account.uid }
      : { name: plan.user.name, action: "create" },
    dirs: [
      {
        path: plan.paths.dataDir,
        owner: "etcd:etcd",
        mode: "0700",
        action: host.stat(plan.paths.dataDir) ? "keep" : "create",
      },
      {
        path: plan.pki.pkiDir,
        owner: "root:root",
        mode: "0755",
        action: host.stat(plan.pki.pkiDir) ? "keep" : "create",
      },
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
    service: serviceSteps(plan, unitChanges, etcdChanges),
    notes: [...plan.notes, ...pki.notes],
  };
  ctx.out.result({ dryRun: true, plan: view }, renderPlanText(view, plan.root));
  return Exit.ok;
}

/** The service actions, in order, for the view. */
function serviceSteps(plan: InstallPlan, unitChanged: boolean, etcdChanged: boolean): string[] {
  const u = plan.service.unit;
  if (plan.root !== "/") return [`systemctl --root ${plan.root} enable ${u} (never started under --root)`];
  const steps = [...(unitChanged ? ["systemctl daemon-reload"] : []), `systemctl enable ${u}`];
  if (!plan.service.start) return [...steps, `not started (--no-start)`];
  return [
    ...steps,
    etcdChanged
      ? `start ${u} (restart if running)`
      : `start ${u} if not running (nothing etcd reads changes)`,
    `wait up to ${plan.service.healthTimeoutMs / 1000}s for ${localClientUrl(plan)}/health over mutual TLS`,
  ];
}

/** Bash completion from the installed etcdctl, when it has the command and can run on this machine. */
async function completionFile(
  plan: InstallPlan,
  host: HostRoot,
  out: Output,
): Promise<DesiredFile | undefined> {
  if (!plan.release.native) {
    out.info(`bash completion: skipped (an ${plan.release.arch} etcdctl cannot run on this machine)`);
    return undefined;
  }
  const r = await new Deno.Command(host.resolve(path.join(plan.paths.binDir, "etcdctl")), {
    args: ["completion", "bash"],
    stdout: "piped",
    stderr: "null",
  })
    .output().catch(() => undefined);
  const text = r && r.code === 0 ? new TextDecoder().decode(r.stdout) : "";
  if (!text.includes("complete")) {
    out.info(
      `bash completion: etcdctl ${plan.release.version} has no 'completion bash' command; none written`,
    );
    return undefined;
  }
  return {
    path: plan.paths.completionFile,
    content: text,
    sha256: sha256Hex(text),
    uid: 0,
    gid: 0,
    mode: 0o644,
    protectEdits: false,
    readByEtcd: false,
  };
}

/** Hashes the installed binaries for the state record. */
function binaryRecords(host: HostRoot, plan: InstallPlan): Record<string, OwnedFile> {
  const out: Record<string, OwnedFile> = {};
  for (const b of binaryNames(plan.release.version)) {
    const p = path.join(plan.paths.binDir, b);
    const data = host.read(p);
    const st = host.stat(p);
    if (data && st) out[p] = { sha256: sha256Hex(data), uid: st.uid, gid: st.gid, mode: st.mode };
  }
  return out;
}

/** Records what etcdup owns now; files kept because the operator edited them keep their old record. */
function recordState(
  host: HostRoot,
  plan: InstallPlan,
  staged: StagedRelease,
  pki: PkiPlan,
  decisions: FileDecision[],
  previous: InstallState | undefined,
): void {
  const files: Record<string, OwnedFile> = { ...binaryRecords(host, plan) };
  for (const f of pki.files) {
    files[f.path] = { sha256: sha256Hex(f.content), uid: f.uid, gid: f.gid, mode: f.mode };
  }
  for (const { file, action } of decisions) {
    if (action !== "keep-edited") {
      files[file.path] = { sha256: file.sha256, uid: file.uid, gid: file.gid, mode: file.mode };
    } else if (previous?.files[file.path]) files[file.path] = previous.files[file.path];
  }
  writeState(host, {
    schema: 1,
    version: plan.release.version,
    arch: plan.release.arch,
    tarballSha256: staged.sha256,
    binDir: plan.paths.binDir,
    dataDir: plan.paths.dataDir,
    pkiDir: plan.pki.pkiDir,
    layout: plan.pki.layout,
    keyAlgorithm: plan.pki.algorithm,
    name: plan.member.name,
    clientUrls: plan.member.advertiseClientUrls,
    peerUrls: plan.member.advertisePeerUrls,
    sans: plan.pki.sans,
    initialCluster: plan.member.initialCluster,
    initialClusterState: plan.member.initialClusterState,
    clusterToken: plan.member.clusterToken,
    unit: plan.service.unit,
    files,
    dirs: [plan.paths.dataDir, plan.pki.pkiDir],
    updatedAt: new Date().toISOString(),
  });
}

/** Starts or restarts etcd as needed and waits for health; on failure shows the journal and the likely fix. */
async function runService(
  plan: InstallPlan,
  host: HostRoot,
  unitChanged: boolean,
  etcdChanged: boolean,
  out: Output,
): Promise<string[]> {
  const svc = serviceManager(host);
  const unit = plan.service.unit;
  const did: string[] = [];
  if (unitChanged && svc.live) {
    await svc.daemonReload();
    did.push("daemon-reload");
  }
  const wasEnabled = await svc.isEnabled(unit);
  await svc.enable(unit);
  if (!wasEnabled) did.push("enabled");
  if (!plan.service.start) {
    out.step(`${unit} enabled, not started (${svc.live ? "--no-start" : `--root ${host.root}`})`);
    return did;
  }
  const noBlock = plan.member.initialCluster.split(",").length > 1;
  const pki = pkiPaths(plan.pki.layout, plan.pki.pkiDir);
  try {
    if (!(await svc.isActive(unit))) {
      out.step(`starting ${unit}`);
      await svc.start(unit, { noBlock });
      did.push("started");
    } else if (etcdChanged || unitChanged) {
      out.step(`restarting ${unit} (something etcd reads changed)`);
      await svc.restart(unit, { noBlock });
      did.push("restarted");
    }
    out.step(`waiting for ${localClientUrl(plan)}/health over mutual TLS`);
    await waitHealthy({
      endpoints: [localClientUrl(plan)],
      caFile: host.resolve(pki.caCert),
      certFile: host.resolve(pki.adminCert),
      keyFile: host.resolve(pki.adminKey),
      timeoutMs: plan.service.healthTimeoutMs,
    });
  } catch (err) {
    const journal = await svc.journalTail(unit, 30);
    if (journal.trim()) out.warn(`last lines of 'journalctl -u ${unit}':\n${journal.trimEnd()}`);
    throw new EtcdupError({
      code: "unhealthy",
      message: `etcd was installed but is not healthy: ${(err as Error).message}`,
      hint: likelyFix(journal + "\n" + (err as Error).message),
      exit: Exit.health,
      cause: err,
    });
  }
  out.step(`etcd is healthy at ${localClientUrl(plan)}`);
  return did;
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

/** Steps another command (`join`) runs inside install's sequence. */
export interface InstallHooks {
  /** After the PKI is in place, before etcd's configuration is rendered: may settle the member (join). */
  member?(plan: InstallPlan, pki: PkiPaths): Promise<InstallPlan>;
  /** After etcd is started and healthy (join: promote the learner). */
  healthy?(plan: InstallPlan, pki: PkiPaths): Promise<void>;
}

/**
 * Applies a plan: release, user, data dir, binaries, PKI, config files, state record, service, health.
 * Prints each step and the result ("no changes: ..." when nothing changed).
 */
export async function apply(
  plan: InstallPlan,
  host: HostRoot,
  ctx: CommandContext,
  hooks: InstallHooks = {},
): Promise<ExitCode> {
  const out = ctx.out;
  const previous = readState(host);
  const release = plan.release;
  if (release.source.kind === "bundle") throw new Error("internal: resolve --bundle before apply");
  const source = release.source;
  if (host.stat(plan.paths.binDir) === undefined) {
    host.ensureDir(plan.paths.binDir, { uid: 0, gid: 0, mode: 0o755 });
  }
  for (const stale of cleanStaleStaging(host, plan.paths.binDir)) {
    out.info(`removed stale staging dir ${stale}`);
  }
  const staged = await obtainRelease({
    version: release.version,
    arch: release.arch,
    source,
    ...(release.sha256 ? { sha256: release.sha256 } : {}),
    stagingParent: host.resolve(plan.paths.binDir),
    checkVersion: release.native,
  }, out);
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
        : `binaries in ${plan.paths.binDir} already etcd ${release.version}`,
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
    applyDecisions(host, decisions);
    for (const { file, action } of decisions) {
      if (action === "keep-edited") {
        out.warn(
          `${file.path} was edited since etcdup wrote it: kept; etcdup's version is in ${file.path}.etcdup-new`,
        );
      } else if (action !== "keep") out.step(`${action} ${file.path}`);
    }
    recordState(host, plan, staged, pki, decisions, previous);

    const unitChanged = decisions.some((d) => d.file.path === plan.paths.unitFile && writesContent(d.action));
    const pkiChanged = pki.files.some((f) =>
      (f.action === "create" || f.action === "replace") && /^(ca|server|peer)-/.test(f.role)
    );
    const etcdChanged = bins.changed.length > 0 || pkiChanged ||
      decisions.some((d) => d.file.readByEtcd && writesContent(d.action));
    const serviceDid = await runService(plan, host, unitChanged, etcdChanged, out);
    if (hooks.healthy && plan.service.start) await hooks.healthy(plan, pki.paths);

    const changed = created || dataChanged || bins.changed.length > 0 || pki.changed ||
      decisions.some((d) => d.action !== "keep" && d.action !== "keep-edited") || serviceDid.length > 0;
    const where = plan.service.start ? `healthy at ${localClientUrl(plan)}` : "not started";
    const human = changed
      ? `etcd ${release.version} ${previous ? "updated" : "installed"} (${where}). ` +
        `For etcdctl as root: . ${plan.paths.profileFile}`
      : `no changes: etcd ${release.version} is installed as planned (${where})`;
    ctx.out.result({
      changed,
      version: release.version,
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

/**
 * Turns a `--bundle DIR` source into the tarball it holds for the plan's arch: the `--version` asked for, or
 * the newest one there. Plans with another source are returned as they are.
 */
export function resolveBundle(plan: InstallPlan, versionGiven: boolean): InstallPlan {
  const src = plan.release.source;
  if (src.kind !== "bundle") return plan;
  const picked = bundleTarball(src.dir, versionGiven ? plan.release.version : undefined, plan.release.arch);
  return {
    ...plan,
    release: { ...plan.release, version: picked.version, source: { kind: "tarball", path: picked.path } },
  };
}

/** Runs `etcdup install`. */
export async function run(ctx: CommandContext): Promise<ExitCode> {
  if (ctx.values["print-config"]) return printConfig(installSpec, ctx);
  const host = new HostRoot(typeof ctx.values.root === "string" ? ctx.values.root : "/");
  const facts = gatherFacts(host);
  const plan = resolveBundle(buildPlan(ctx.values, facts, host.root), typeof ctx.values.version === "string");
  if (ctx.values["dry-run"]) return await dryRun(plan, host, ctx);
  checkPreconditions(host, facts);
  for (const n of plan.notes) ctx.out.info(n);
  return await apply(plan, host, ctx);
}
