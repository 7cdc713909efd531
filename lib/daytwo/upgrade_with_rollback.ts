/**
 * Applying an upgrade to this member: snapshot, keep the old files, swap the binaries (removing etcdup's ones
 * the new release does not ship), refresh the bash completion, re-render the env file, restart, verify; and on
 * any failure after the first replaced byte, put the old files back, restart on them and report.
 * The release itself is obtained and verified by the caller (same path as install) and handed in as
 * `installBinaries`, its completion as `completion`, so this file is only the order of effects and the rollback.
 */
import * as path from "node:path";
import type { Output } from "../output.ts";
import { asEtcdupError, EtcdupError, Exit } from "../errors.ts";
import { releaseLine } from "../etcd/version.ts";
import { applyDecisions, currentFile, removeOrphanTemps } from "../host/file_writes.ts";
import { decideFiles } from "../plan/diff.ts";
import type { HostRoot } from "../host/fs.ts";
import { type InstallState, STATE_DIR, writeState } from "../host/state.ts";
import type { ServiceManager } from "../host/systemd.ts";
import type { DesiredFile } from "../files.ts";
import { BINARIES, requiredBinaries } from "../release/unpack.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { connectionFlags, runTool } from "./etcdctl.ts";
import { rerenderEnv } from "./env.ts";
import type { UpgradeStep } from "./upgrade_paths.ts";
import { backupDirFor, saveSnapshot, type Snapshot } from "./snapshot.ts";
import { keepFiles, ownedFileNow, restoreFiles } from "./swap.ts";

/** What {@link applyUpgrade} needs. */
export interface UpgradeInput {
  host: HostRoot;
  state: InstallState;
  svc: ServiceManager;
  out: Output;
  step: UpgradeStep;
  /** The verified release: its version, tarball digest, and the source and --sha256 re-runs use again. */
  release: { version: string; sha256: string; recorded: Pick<InstallState, "source" | "givenSha256"> };
  /** Writes the verified binaries into `state.binDir` (atomically per file). */
  installBinaries(): Promise<void>;
  /** The bash completion of the installed (new) etcdctl, or undefined when it has none. */
  completion(): Promise<DesiredFile | undefined>;
  /** Target paths of the env file etcdup owns, of the operator's override file and of the completion. */
  files: { envFile: string; envLocalFile: string; completionFile: string };
  healthTimeoutMs: number;
  now: Date;
}

/** What an upgrade did. */
export interface UpgradeResult {
  from: string;
  to: string;
  kind: UpgradeStep["kind"];
  /** Target path of the dated backup directory (snapshot, old binaries, old env file). */
  backupDir: string;
  snapshot?: Snapshot;
  /** Whether the env file was rewritten for the new version. */
  envRewritten: boolean;
  /** Set when the env file was edited by the operator: etcdup's new content went here instead. */
  envProposed?: string;
}

/**
 * Waits for health and checks that the member reports `version`. The etcd clients (undici, ~12 MiB resident)
 * load here, so an upgrade under `--root`, which never talks to etcd, does not carry them (issue 17).
 */
async function verifyRunning(input: UpgradeInput, version: string, timeoutMs: number): Promise<void> {
  const [{ waitHealthy }, { ClusterApi }] = await Promise.all([
    import("../etcd/health.ts"),
    import("../cluster/api.ts"),
  ]);
  const client = adminClient(input.host, input.state);
  await waitHealthy({ ...client, timeoutMs });
  const api = new ClusterApi(client);
  try {
    const running = (await api.status(client.endpoints[0])).version;
    if (`v${running}` !== version) {
      throw new EtcdupError({
        code: "version-mismatch",
        message: `etcd answers as v${running}, expected ${version}`,
        hint: "Another etcd may be listening on the client port; check 'systemctl status etcd'.",
        exit: Exit.health,
      });
    }
  } finally {
    await api.close();
  }
}

/** etcd's minor-downgrade procedure: `etcdctl downgrade validate` then `enable` with the current etcdctl. */
async function enableDowngrade(input: UpgradeInput, target: string): Promise<void> {
  const client = adminClient(input.host, input.state);
  const realBin = input.host.resolve(input.state.binDir);
  const minor = releaseLine(target);
  for (const action of ["validate", "enable"]) {
    const r = await runTool(realBin, "etcdctl", [...connectionFlags(client), "downgrade", action, minor]);
    if (r.code !== 0) {
      throw new EtcdupError({
        code: "downgrade-refused-by-etcd",
        message: `etcdctl downgrade ${action} ${minor} failed: ${(r.stderr || r.stdout).trim()}`,
        hint: "Nothing was replaced. etcd decides whether the cluster can go back; see its downgrade guide.",
        exit: Exit.precondition,
      });
    }
  }
  input.out.step(`etcd accepted the downgrade to ${minor} (etcdctl downgrade enable)`);
}

/** Writes the env file for the new version, or (when the operator edited it) proposes it beside. */
function rewriteEnv(input: UpgradeInput, result: UpgradeResult): void {
  const { host, state, files, out } = input;
  const current = host.readText(files.envFile);
  const recorded = state.files[files.envFile];
  const st = host.stat(files.envFile);
  if (current === undefined || !st) return;
  const edited = recorded !== undefined && ownedFileNow(host, files.envFile)?.sha256 !== recorded.sha256;
  const next = rerenderEnv(current, input.release.version, files);
  if (next === current) return;
  if (edited) {
    result.envProposed = `${files.envFile}.etcdup-new`;
    host.writeAtomic(result.envProposed, next, { uid: st.uid, gid: st.gid, mode: st.mode });
    out.warn(
      `${files.envFile} was edited, so it is kept; the ${input.release.version} settings are in ${result.envProposed} to merge`,
    );
    return;
  }
  host.writeAtomic(files.envFile, next, { uid: st.uid, gid: st.gid, mode: st.mode });
  result.envRewritten = true;
  out.step(`rewrote ${files.envFile} for ${input.release.version}`);
}

/**
 * Removes `p` when etcdup wrote it and nobody changed it since (an edited one is kept with a warning);
 * returns whether it was removed.
 */
function removeOwned(input: UpgradeInput, p: string, why: string): boolean {
  const recorded = input.state.files[p];
  const now = ownedFileNow(input.host, p);
  if (!recorded || !now) return false;
  if (now.sha256 !== recorded.sha256) {
    input.out.warn(`kept ${p}: edited since etcdup wrote it, although ${why}`);
    return false;
  }
  input.host.remove(p);
  input.out.step(`removed ${p}: ${why}`);
  return true;
}

/** Removes etcdup's binaries the new release does not ship (etcdutl before 3.5); returns the paths removed. */
function removeUnshipped(input: UpgradeInput): string[] {
  const shipped: readonly string[] = requiredBinaries(input.release.version);
  return BINARIES.filter((b) => !shipped.includes(b))
    .map((b) => path.posix.join(input.state.binDir, b))
    .filter((p) => removeOwned(input, p, `etcd ${input.release.version} has no ${path.posix.basename(p)}`));
}

/**
 * Writes the new etcdctl's bash completion, or removes etcdup's old one when the new etcdctl has none;
 * returns whether the file changed.
 */
async function refreshCompletion(input: UpgradeInput): Promise<boolean> {
  const next = await input.completion();
  if (!next) {
    const why = `etcdctl ${input.release.version} has no completion`;
    return removeOwned(input, input.files.completionFile, why);
  }
  const decisions = decideFiles([next], (p) => currentFile(input.host, p), input.state.files);
  applyDecisions(input.host, decisions);
  if (decisions[0].action === "keep") return false;
  input.out.step(`${decisions[0].action} ${next.path} for etcdctl ${input.release.version}`);
  return true;
}

/** Records the new version and the new hashes of the files that changed. */
function recordUpgrade(input: UpgradeInput, changed: string[]): void {
  const { host, state } = input;
  const files = { ...state.files };
  for (const p of changed) {
    const now = ownedFileNow(host, p);
    if (now) files[p] = now;
    else delete files[p];
  }
  const { givenSha256: _, ...kept } = state;
  writeState(host, {
    ...kept,
    ...input.release.recorded,
    version: input.release.version,
    tarballSha256: input.release.sha256,
    files,
    updatedAt: input.now.toISOString(),
  });
}

/**
 * Upgrades this member as decided by `input.step`. Throws an EtcdupError when it could not: exit 4 after a
 * successful rollback (etcd runs the old version again), exit 1 when even the rollback failed (the message
 * names the snapshot to restore).
 */
export async function applyUpgrade(input: UpgradeInput): Promise<UpgradeResult> {
  const { host, state, svc, out, step } = input;
  const backupDir = backupDirFor(input.now, state.version);
  const result: UpgradeResult = {
    from: step.from,
    to: step.to,
    kind: step.kind,
    backupDir,
    envRewritten: false,
  };
  host.ensureDir(backupDir, { uid: 0, gid: 0, mode: 0o700 });
  const leftovers = removeOrphanTemps(host, [
    STATE_DIR,
    state.binDir,
    ...[input.files.envFile, input.files.completionFile].map((f) => path.posix.dirname(f)),
  ]);
  if (leftovers.length > 0) out.info(`removed temp file(s) an interrupted run left: ${leftovers.join(", ")}`);

  if (svc.live) {
    if (!(await svc.isActive(state.unit))) {
      throw new EtcdupError({
        code: "not-running",
        message: `${state.unit} is not running, so no snapshot can be taken before the upgrade`,
        hint: `Start it ('systemctl start ${state.unit}') and check 'etcdup status', then upgrade.`,
        exit: Exit.precondition,
      });
    }
    await verifyRunning(input, state.version, 15_000);
    const file = host.resolve(path.posix.join(backupDir, "snapshot.db"));
    result.snapshot = await saveSnapshot(host.resolve(state.binDir), adminClient(host, state), file);
    out.step(
      `saved snapshot ${file} (revision ${result.snapshot.status.revision}, ${result.snapshot.status.totalKey} keys, verified with ${result.snapshot.verifiedWith})`,
    );
    if (step.kind === "minor-downgrade") await enableDowngrade(input, step.to);
  } else {
    out.warn(`no snapshot: etcd does not run under --root ${host.root}; only files are replaced`);
  }

  const binaries = BINARIES.map((b) => path.posix.join(state.binDir, b));
  const kept = keepFiles(host, [...binaries, input.files.envFile, input.files.completionFile], backupDir);
  out.info(`kept the ${state.version} binaries, env file and completion in ${backupDir}`);
  const changed = requiredBinaries(input.release.version).map((b) => path.posix.join(state.binDir, b));
  try {
    await input.installBinaries();
    out.step(`installed the ${input.release.version} binaries into ${state.binDir}`);
    changed.push(...removeUnshipped(input));
    if (await refreshCompletion(input)) changed.push(input.files.completionFile);
    rewriteEnv(input, result);
    if (result.envRewritten) changed.push(input.files.envFile);
    if (svc.live) {
      await svc.restart(state.unit);
      await verifyRunning(input, input.release.version, input.healthTimeoutMs);
      out.step(`etcd ${input.release.version} is healthy over mutual TLS`);
    }
  } catch (err) {
    await rollBack(input, kept, result, asEtcdupError(err));
  }
  recordUpgrade(input, changed);
  return result;
}

/** Puts the kept files back, restarts on them and throws the report. Never returns. */
async function rollBack(
  input: UpgradeInput,
  kept: ReturnType<typeof keepFiles>,
  result: UpgradeResult,
  cause: EtcdupError,
): Promise<never> {
  const { host, state, svc, out } = input;
  const journal = svc.live ? (await svc.journalTail(state.unit, 15)).trim() : "";
  out.warn(`upgrade to ${input.release.version} failed: ${cause.message}; rolling back to ${state.version}`);
  for (const line of journal ? journal.split("\n") : []) out.info(line);
  restoreFiles(host, kept);
  if (result.envProposed) host.remove(result.envProposed);
  const snapshotNote = result.snapshot ? ` The snapshot is ${result.snapshot.file}.` : "";
  if (svc.live) {
    try {
      await svc.restart(state.unit);
      await verifyRunning(input, state.version, input.healthTimeoutMs);
    } catch (err) {
      throw new EtcdupError({
        code: "rollback-failed",
        message:
          `upgrade to ${input.release.version} failed (${cause.message}) and etcd ${state.version} did not come back: ${
            asEtcdupError(err).message
          }`,
        hint: `The old binaries and env file are back in place (copies in ${
          host.resolve(result.backupDir)
        }). Check 'journalctl -u ${state.unit}'; if the data dir is damaged, restore it with 'etcdutl snapshot restore'.${snapshotNote}`,
        exit: Exit.failure,
        cause: err,
      });
    }
  }
  const now = svc.live ? `etcd ${state.version} is running again` : "the files are as they were";
  throw new EtcdupError({
    code: "upgrade-rolled-back",
    message: `upgrade to ${input.release.version} failed and was rolled back; ${now}: ${cause.message}`,
    hint: `See 'journalctl -u ${state.unit}' for why ${input.release.version} did not start.${snapshotNote}`,
    exit: svc.live ? Exit.health : cause.exit,
    cause,
  });
}
