/**
 * Applying an upgrade to this member: executes the diff (lib/daytwo/upgrade_diff.ts) in its order: snapshot,
 * keep the old files, swap the binaries (removing etcdup's ones the new release does not ship), refresh the
 * bash completion, re-render the env file, restart, verify; and on any failure after the first replaced byte,
 * put the old files back, restart on them and report. The release itself is obtained and verified by the
 * caller (same path as install) and handed in as `installBinaries`, its completion as `completion`, so this
 * file is only the order of effects and the rollback.
 */
import * as path from "node:path";
import type { Output } from "../output.ts";
import { asEtcdupError, EtcdupError, Exit } from "../errors.ts";
import { releaseLine } from "../etcd/version.ts";
import { applyDecisions, currentFile, removeOrphanTemps } from "../host/file_writes.ts";
import { decideFiles } from "../plan/diff.ts";
import type { HostRoot } from "../host/fs.ts";
import { writeState } from "../host/state.ts";
import { type InstallState, STATE_DIR, STATE_FILE } from "../state_record.ts";
import type { ServiceManager } from "../host/systemd.ts";
import type { DesiredFile } from "../files.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { connectionFlags, runTool } from "./etcdctl.ts";
import { type UpgradeAction, type UpgradeChange, upgradeChanges, type UpgradeDiff } from "./upgrade_diff.ts";
import type { UpgradeStep } from "./upgrade_paths.ts";
import { saveSnapshot, type Snapshot } from "./snapshot.ts";
import { keepFiles, restoreFiles } from "./swap.ts";

/** What {@link applyUpgrade} needs. */
export interface UpgradeInput {
  host: HostRoot;
  state: InstallState;
  svc: ServiceManager;
  out: Output;
  /** What to do, decided before anything is done. */
  diff: UpgradeDiff;
  /** The verified release's tarball digest, and the source and --sha256 re-runs use again. */
  release: { sha256: string; recorded: Pick<InstallState, "source" | "givenSha256"> };
  /** Writes the verified binaries into `state.binDir` (atomically per file). */
  installBinaries(): Promise<void>;
  /** The bash completion of the installed (new) etcdctl, or undefined when it has none. */
  completion(): Promise<DesiredFile | undefined>;
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
  /** The diff's changes that were made, in its order, with what was learnt doing them (new digests). */
  changes: UpgradeChange[];
}

/** The changes of a diff as apply makes them: each marked done, with a note of how it went. */
class Done {
  #planned: UpgradeChange[];
  #done = new Map<string, string>();
  constructor(diff: UpgradeDiff) {
    this.#planned = upgradeChanges(diff);
  }
  /** Marks the diff's change `action` of `p` done (`note`: how it went, else the diff's note). */
  did(p: string, action: UpgradeAction, note?: string): void {
    const c = this.#planned.find((x) => x.path === p && x.action === action);
    if (!c) throw new Error(`internal: ${action} ${p} is not in the upgrade's diff`);
    this.#done.set(`${action} ${p}`, note ?? c.note);
  }
  /** The changes done, in the diff's order. */
  list(): UpgradeChange[] {
    return this.#planned.flatMap((c) => {
      const note = this.#done.get(`${c.action} ${c.path}`);
      return note === undefined ? [] : [{ ...c, note }];
    });
  }
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
        code: "running-version-mismatch",
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

/** Writes the env file's new rendering: over it, or (edited by the operator) beside it. */
function rewriteEnv(input: UpgradeInput, result: UpgradeResult, done: Done): void {
  const { host, out, diff } = input;
  const env = diff.env;
  if (!env) return;
  host.writeAtomic(env.target, env.text, env.own);
  if (env.action === "keep-edited") result.envProposed = env.target;
  else {
    result.envRewritten = true;
    out.step(`rewrote ${env.target} for ${diff.step.to}`);
  }
  done.did(diff.paths.envFile, env.action);
}

/** Writes the binaries, then removes etcdup's ones the new release does not ship; returns the paths changed. */
async function swapBinaries(input: UpgradeInput, done: Done): Promise<string[]> {
  const { host, out, diff } = input;
  await input.installBinaries();
  out.step(`installed the ${diff.step.to} binaries into ${input.state.binDir}`);
  for (const b of diff.binaries) {
    if (b.action === "install") {
      const now = currentFile(host, b.path);
      done.did(b.path, "install", `${b.from?.slice(0, 12) ?? "none"} -> ${now?.sha256.slice(0, 12)}`);
      continue;
    }
    host.remove(b.path);
    out.step(`removed ${b.path}: etcd ${diff.step.to} has no ${path.posix.basename(b.path)}`);
    done.did(b.path, "remove");
  }
  return diff.binaries.map((b) => b.path);
}

/**
 * Writes the new etcdctl's bash completion when its content changes, or removes etcdup's old one when the
 * new etcdctl has none (or cannot run here); returns whether the file changed.
 */
async function refreshCompletion(input: UpgradeInput, done: Done): Promise<boolean> {
  const { host, out, diff } = input;
  const p = diff.paths.completionFile;
  const step = diff.completion;
  if (!step) return false;
  const remove = (why: string) => {
    host.remove(p);
    out.step(`removed ${p}: ${why}`);
  };
  if (step.action === "remove") {
    remove(step.reason);
    done.did(p, "remove");
    return true;
  }
  const next = await input.completion();
  if (!next) {
    const why = `etcdctl ${diff.step.to} has no completion`;
    if (step.old === "unchanged") remove(why);
    if (step.old === "edited") out.warn(`kept ${p}: edited since etcdup wrote it, although ${why}`);
    done.did(p, "generate", step.old === "unchanged" ? `removed: ${why}` : `none: ${why}`);
    return step.old === "unchanged";
  }
  const decisions = decideFiles([next], (f) => currentFile(host, f), input.state.files);
  applyDecisions(host, decisions);
  const action = decisions[0].action;
  if (action !== "keep") out.step(`${action} ${next.path} for etcdctl ${diff.step.to}`);
  const how = action === "keep"
    ? "the same as before: left as it is"
    : action === "create"
    ? "written"
    : "rewritten with the new content";
  done.did(p, "generate", how);
  return action !== "keep";
}

/** Records the new version and the new hashes of the files that changed. */
function recordUpgrade(input: UpgradeInput, changed: string[], done: Done): void {
  const { host, state } = input;
  const files = { ...state.files };
  for (const p of changed) {
    const now = currentFile(host, p);
    if (now) files[p] = now;
    else delete files[p];
  }
  const { givenSha256: _, ...kept } = state;
  writeState(host, {
    ...kept,
    ...input.release.recorded,
    version: input.diff.step.to,
    tarballSha256: input.release.sha256,
    files,
    updatedAt: input.now.toISOString(),
  });
  done.did(STATE_FILE, "update");
}

/** Takes and verifies the snapshot the diff names (etcd runs), then etcd's downgrade step when it asks. */
async function snapshotFirst(input: UpgradeInput, result: UpgradeResult, done: Done): Promise<void> {
  const { host, state, out, diff } = input;
  if (!diff.snapshot) return;
  await verifyRunning(input, state.version, 15_000);
  const file = host.resolve(diff.snapshot);
  const snap = await saveSnapshot(host.resolve(state.binDir), adminClient(host, state), file);
  result.snapshot = snap;
  const how =
    `revision ${snap.status.revision}, ${snap.status.totalKey} keys, verified with ${snap.verifiedWith}`;
  out.step(`saved snapshot ${file} (${how})`);
  done.did(diff.snapshot, "snapshot", how);
  if (diff.downgradeTo) {
    await enableDowngrade(input, diff.step.to);
    done.did(diff.unit, "downgrade-enable");
  }
}

/**
 * Upgrades this member as `input.diff` says, and nothing else. Throws an EtcdupError when it could not:
 * exit 4 after a successful rollback (etcd runs the old version again), exit 1 when even the rollback failed
 * (the message names the snapshot to restore).
 */
export async function applyUpgrade(input: UpgradeInput): Promise<UpgradeResult> {
  const { host, state, svc, out, diff } = input;
  const { step, backupDir } = diff;
  const done = new Done(diff);
  const result: UpgradeResult = {
    from: step.from,
    to: step.to,
    kind: step.kind,
    backupDir,
    envRewritten: false,
    changes: [],
  };
  host.ensureDir(backupDir, { uid: 0, gid: 0, mode: 0o700 });
  const leftovers = removeOrphanTemps(host, [
    STATE_DIR,
    state.binDir,
    ...[diff.paths.envFile, diff.paths.completionFile].map((f) => path.posix.dirname(f)),
  ]);
  if (leftovers.length > 0) out.info(`removed temp file(s) an interrupted run left: ${leftovers.join(", ")}`);
  await snapshotFirst(input, result, done);

  const kept = keepFiles(host, diff.keep, backupDir);
  out.info(`kept the ${state.version} binaries, env file and completion in ${backupDir}`);
  done.did(backupDir, "create");
  const changed: string[] = [];
  try {
    changed.push(...await swapBinaries(input, done));
    if (await refreshCompletion(input, done)) changed.push(diff.paths.completionFile);
    rewriteEnv(input, result, done);
    if (result.envRewritten) changed.push(diff.paths.envFile);
    if (diff.restart) {
      await svc.restart(state.unit);
      await verifyRunning(input, step.to, diff.healthTimeoutMs);
      out.step(`etcd ${step.to} is healthy over mutual TLS`);
      done.did(diff.unit, "restart", `healthy over mutual TLS as ${step.to}`);
    }
  } catch (err) {
    await rollBack(input, kept, result, asEtcdupError(err));
  }
  recordUpgrade(input, changed, done);
  result.changes = done.list();
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
  const to = input.diff.step.to;
  out.warn(`upgrade to ${to} failed: ${cause.message}; rolling back to ${state.version}`);
  for (const line of journal ? journal.split("\n") : []) out.info(line);
  restoreFiles(host, kept);
  if (result.envProposed) host.remove(result.envProposed);
  const snapshotNote = result.snapshot ? ` The snapshot is ${result.snapshot.file}.` : "";
  if (svc.live) {
    try {
      await svc.restart(state.unit);
      await verifyRunning(input, state.version, input.diff.healthTimeoutMs);
    } catch (err) {
      throw new EtcdupError({
        code: "rollback-failed",
        message: `upgrade to ${to} failed (${cause.message}) and etcd ${state.version} did not come back: ${
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
    message: `upgrade to ${to} failed and was rolled back; ${now}: ${cause.message}`,
    hint: `See 'journalctl -u ${state.unit}' for why ${to} did not start.${snapshotNote}`,
    exit: svc.live ? Exit.health : cause.exit,
    cause,
  });
}
