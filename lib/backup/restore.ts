/**
 * Restoring a member from a snapshot file, in steps that a kill at any instant and a second run finish:
 *
 * 1. the file is checked (its SHA-256 against the record beside it, `snapshot status`, an etcd version
 *    this member can run) and a marker, /var/lib/etcdup/restore.json, records the names the plan chose
 *    (lib/backup/restore_plan.ts);
 * 2. `etcdutl snapshot restore` (etcdctl on 3.4) writes a new data dir beside the old one as this member of
 *    a new one-member cluster with a new cluster token, owned etcd:etcd 0700 (etcd still runs meanwhile);
 * 3. etcd is stopped, the old data dir is renamed to `<data-dir>.before-restore-<time>` (never deleted),
 *    the new one renamed into place; the env file and the state record name the new one-member cluster;
 * 4. etcd is started, healthy over mutual TLS, and serves at least the snapshot's revision; the marker goes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Output } from "../output.ts";
import { ClusterApi } from "../cluster/api.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { runTool } from "../daytwo/etcdctl.ts";
import { snapshotStatus, snapshotTool } from "../daytwo/snapshot.ts";
import type { SnapshotStatus } from "../etcd/snapshot_status.ts";
import { compareVersions, parseVersionArg } from "../etcd/version.ts";
import { EtcdupError, Exit, verificationError } from "../errors.ts";
import { waitHealthy } from "../etcd/health.ts";
import { lookupUser } from "../host/accounts.ts";
import { type HostRoot, syncDir } from "../host/fs.ts";
import { writeRecord } from "../host/state.ts";
import type { InstallState } from "../state_record.ts";
import { RESTORE_MARKER, type RestoreMarker } from "./marker.ts";
import { recordSolo } from "../recovery/record.ts";
import { FIXED_PATHS } from "../plan/build.ts";
import { serviceManager } from "../host/systemd.ts";
import type { SnapshotRecord } from "./store.ts";
import type { ObservedSnapshotFile } from "./observed.ts";
import { snapshotMissing, walPaths } from "./restore_plan.ts";
import { RECORD_SUFFIX } from "./names.ts";
import { clusterVersionOf } from "./bolt.ts";

/** What a restore did. */
export interface RestoreOutcome {
  marker: RestoreMarker;
  /** Whether the old data dir was moved aside (false when there was none). */
  movedAside: boolean;
  /** The revision the restarted member serves (undefined under --root: not started). */
  revision?: number;
}

/** The snapshot file, checked: digest against its record, readable, an etcd version this member runs. */
export interface CheckedSnapshot {
  file: string;
  sha256: string;
  status: SnapshotStatus;
  record?: SnapshotRecord;
}

/** Why `st` lets someone other than root change what a path names (undefined: it does not). */
function othersMayWrite(st: fs.Stats, dir: boolean): string | undefined {
  if (st.uid !== 0) return `it is owned by uid ${st.uid}, not root`;
  if ((st.mode & 0o022) === 0 || (dir && (st.mode & 0o1000) !== 0)) return undefined;
  return `it is writable by ${(st.mode & 0o002) !== 0 ? "others" : "its group"}${
    dir ? " without the sticky bit" : ""
  }`;
}

/**
 * Refuses (`snapshot-not-root-only`, exit 7) a snapshot file that someone other than root could swap between
 * its digest check and etcdutl's read of it: the file or its record (`FILE.json`) not owned by root or
 * writable by group or others, or the directory holding it (as named, and as its links resolve) not owned by
 * root or writable by group or others without the sticky bit. Refusing costs nothing; a private copy would
 * cost a second read of a large snapshot.
 */
function refuseSwappable(file: string): void {
  const real = fs.realpathSync(file);
  const checks: [string, boolean][] = [[real, false], [path.dirname(real), true], [path.dirname(file), true]];
  if (fs.existsSync(real + RECORD_SUFFIX)) checks.push([real + RECORD_SUFFIX, false]);
  for (const [p, dir] of checks) {
    const why = othersMayWrite(fs.statSync(p), dir);
    if (!why) continue;
    throw new EtcdupError({
      code: "snapshot-not-root-only",
      message: `${file}: ${p} could be replaced by another user after its digest is checked (${why})`,
      hint:
        `Nothing was changed. Copy the snapshot (and its .json record) into a directory only root can write, e.g. 'install -m 0600 ${file} /root/' (and 'install -m 0600 ${file}.json /root/'), then restore that copy.`,
      exit: Exit.precondition,
    });
  }
}

/**
 * Checks the snapshot file as observed (lib/observe/restore.ts: a real path, its digest and record) for a
 * restore on the member `state` describes; the digest was computed before the checks of who may write it,
 * which are made before etcdutl reads it. Throws
 * `snapshot-missing` (exit 2), `snapshot-digest-mismatch` or `snapshot-unverified` (exit 3), or
 * `snapshot-too-new` or `snapshot-not-root-only` (exit 7); warns when the file has no record (a snapshot not made by etcdup).
 */
export async function checkSnapshotFile(
  host: HostRoot,
  state: InstallState,
  snapshot: ObservedSnapshotFile,
  out: Output,
): Promise<CheckedSnapshot> {
  const { file, sha256, record } = snapshot;
  if (snapshot.missing !== undefined) throw snapshotMissing(snapshot);
  if (sha256 === undefined) throw new Error(`internal: ${file} was observed without its digest`);
  refuseSwappable(file);
  if (record && record.sha256 !== sha256) {
    throw verificationError(
      "snapshot-digest-mismatch",
      `${file}: its SHA-256 ${sha256} differs from the one recorded beside it (${record.sha256}): the file changed after it was taken`,
      "Nothing was changed. Restore another snapshot ('etcdup backup list' checks them all).",
    );
  }
  if (!record) out.warn(`${file}: ${snapshot.recordProblem}; checking it with snapshot status only`);
  const { status } = await snapshotStatus(
    host.resolve(state.binDir),
    file,
    "Nothing was changed: it is not an etcd snapshot, or it is truncated. Restore another snapshot.",
  );
  // the record may be missing or lie; the database says which cluster version wrote it (lib/backup/bolt.ts)
  const written = clusterVersionOf(file);
  const from = [record?.etcdVersion, written && `v${written}`].filter((v): v is string => v !== undefined)
    .find((v) => compareVersions(minor(v), minor(state.version)) > 0);
  if (from) {
    const upgradeTo = `latest-${parseVersionArg(from).major}.${parseVersionArg(from).minor}`;
    throw new EtcdupError({
      code: "snapshot-too-new",
      message: `${file} was taken from etcd ${from}${
        written && from === `v${written}` ? " (the cluster version its database records)" : ""
      }; this member runs ${state.version}, and etcd refuses to start an older minor on newer data`,
      hint:
        `Nothing was changed. Upgrade this member first ('etcdup upgrade --version ${upgradeTo}'), then restore.`,
      exit: Exit.precondition,
    });
  }
  return { file, sha256, status, ...(record ? { record } : {}) };
}

/**
 * The names (IDs when unnamed) of the members other than `self` that `api`'s cluster lists, or undefined
 * when it cannot be asked.
 */
export async function otherMembers(api: ClusterApi, self: string): Promise<string[] | undefined> {
  try {
    const list = await api.memberList(false);
    return list.members.filter((m) => m.name !== self).map((m) => m.name || m.id);
  } catch {
    return undefined;
  }
}

/**
 * Refuses (exit 7, `cluster-still-running`) to restore a member whose etcd runs in a cluster with other
 * members: restoring it alone would split it off a working cluster. A member that cannot be asked (etcd
 * stopped or broken) passes: that is what restore is for.
 */
export async function refuseLiveCluster(host: HostRoot, state: InstallState): Promise<void> {
  const svc = serviceManager(host);
  if (!svc.live || !(await svc.isActive(state.unit))) return;
  const api = new ClusterApi(adminClient(host, state));
  const others = await otherMembers(api, state.name).finally(() => api.close());
  if (!others || others.length === 0) return;
  throw new EtcdupError({
    code: "cluster-still-running",
    message: `${state.name} is a member of a running cluster (with ${
      others.join(", ")
    }): restoring it alone would split it off`,
    hint:
      "Nothing was changed. Restore only when the cluster is lost: stop etcd on every member first (then restore " +
      "on one and 'etcdup join --replace' the others), or pass --force.",
    exit: Exit.precondition,
  });
}

/** A version with the patch dropped, for minor comparisons. */
function minor(v: string): ReturnType<typeof parseVersionArg> {
  return { ...parseVersionArg(v), patch: 0 };
}

/** Sets owner and mode of a tree (directories 0700, files 0600), never following symlinks. */
function ownTree(real: string, uid: number, gid: number): void {
  fs.lchownSync(real, uid, gid);
  const st = fs.lstatSync(real);
  if (st.isDirectory()) {
    fs.chmodSync(real, 0o700);
    for (const e of fs.readdirSync(real)) ownTree(path.join(real, e), uid, gid);
  } else if (st.isFile()) fs.chmodSync(real, 0o600);
}

/**
 * Builds the new data dir at `marker.staging` (and the new WAL beside the live one, with a --wal-dir) with
 * etcdutl (etcdctl on 3.4), owned by etcd. What a killed run left there is its own output: rebuilt.
 */
async function buildStaging(host: HostRoot, state: InstallState, marker: RestoreMarker): Promise<void> {
  const wal = walPaths(state.walDir, marker.aside);
  const staged = [marker.staging, ...(wal ? [wal.staging] : [])];
  for (const p of staged) fs.rmSync(host.resolve(p), { recursive: true, force: true });
  const realBin = host.resolve(state.binDir);
  const tool = await snapshotTool(realBin);
  const peer = state.peerUrls[0];
  const r = await runTool(realBin, tool, [
    "snapshot",
    "restore",
    marker.file,
    `--name=${state.name}`,
    `--initial-cluster=${state.name}=${peer}`,
    `--initial-cluster-token=${marker.clusterToken}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--data-dir=${host.resolve(marker.staging)}`,
    ...(wal ? [`--wal-dir=${host.resolve(wal.staging)}`] : []),
  ]);
  if (r.code !== 0) {
    for (const p of staged) fs.rmSync(host.resolve(p), { recursive: true, force: true });
    const said = (r.stderr || r.stdout).trim().split("\n").filter((l) => !/\tinfo\t/.test(l)).join("\n");
    const corrupt = /expected sha256/.test(said);
    throw new EtcdupError({
      code: corrupt ? "snapshot-corrupt" : "restore-failed",
      message: `${tool} snapshot restore ${marker.file} failed (exit ${r.code}): ${said || `exit ${r.code}`}`,
      hint: corrupt
        ? "Nothing was changed: the snapshot's own integrity hash does not match its content. Restore another snapshot."
        : "Nothing was changed: etcd and its data dir are as they were. Check free space beside the data dir.",
      exit: corrupt ? Exit.verification : Exit.failure,
    });
  }
  const etcd = lookupUser(host, "etcd");
  if (!etcd) throw new Error("internal: the etcd user is missing");
  for (const p of staged) ownTree(host.resolve(p), etcd.uid, etcd.gid);
}

/**
 * Renames `live` to `aside` (unless a killed run did) and `staging` into its place. A `live` found beside an
 * existing `aside` is a killed run's own output (the old one is already aside): it is replaced.
 */
function place(host: HostRoot, live: string, staging: string, aside: string): boolean {
  const has = (p: string) => host.stat(p) !== undefined;
  let moved = has(aside);
  if (has(live) && !moved) {
    fs.renameSync(host.resolve(live), host.resolve(aside));
    moved = true;
  } else if (has(live)) fs.rmSync(host.resolve(live), { recursive: true, force: true });
  fs.renameSync(host.resolve(staging), host.resolve(live));
  syncDir(host.resolve(path.dirname(live)));
  return moved;
}

/**
 * Puts the staged data dir (and WAL) in place: etcd stopped, the old ones (if any) renamed aside, the new
 * ones renamed in, the WAL first. A second run after a kill finds where the first stopped. Returns whether
 * it moved a data dir aside.
 */
async function swapDataDir(
  host: HostRoot,
  state: InstallState,
  marker: RestoreMarker,
  out: Output,
): Promise<boolean> {
  const svc = serviceManager(host);
  if (await svc.isActive(state.unit)) {
    out.step(`stopping ${state.unit}`);
    await svc.stop(state.unit);
  }
  const wal = walPaths(state.walDir, marker.aside);
  if (wal) place(host, wal.live, wal.staging, wal.aside);
  const moved = host.stat(state.dataDir) !== undefined && host.stat(marker.aside) === undefined;
  if (moved) out.step(`moving the old data dir aside: ${marker.aside}`);
  const movedAside = place(host, state.dataDir, marker.staging, marker.aside);
  out.step(`restored data dir ${state.dataDir} from ${marker.file}`);
  return movedAside;
}

/**
 * Whether a killed run already put the restored data dir in place: nothing staged (the WAL neither), a
 * member in the data dir, and the old data dir aside when there was one.
 */
function alreadyPlaced(host: HostRoot, state: InstallState, marker: RestoreMarker): boolean {
  const wal = walPaths(state.walDir, marker.aside);
  return host.stat(marker.staging) === undefined && (!wal || host.stat(wal.staging) === undefined) &&
    host.stat(`${state.dataDir}/member`) !== undefined &&
    (!marker.hadDataDir || host.stat(marker.aside) !== undefined);
}

/**
 * Runs (or finishes) the restore `marker` describes on the member `state` describes; starts etcd and checks
 * its health and revision on the live host (not under --root). Removes the marker when done.
 */
export async function runRestore(
  host: HostRoot,
  state: InstallState,
  marker: RestoreMarker,
  opts: { healthTimeoutMs: number },
  out: Output,
): Promise<RestoreOutcome> {
  writeRecord(host, RESTORE_MARKER, marker);
  let movedAside = host.stat(marker.aside) !== undefined;
  if (!alreadyPlaced(host, state, marker)) {
    out.step(`restoring ${marker.file} (revision ${marker.revision}) into ${marker.staging}`);
    try {
      await buildStaging(host, state, marker);
    } catch (err) {
      if (!movedAside) host.remove(RESTORE_MARKER); // nothing was changed: no restore is in progress
      throw err;
    }
    movedAside = await swapDataDir(host, state, marker, out);
  }
  const solo = recordSolo(host, state, FIXED_PATHS, new Date(), marker.clusterToken);
  if (solo.envRewritten) out.step(`${FIXED_PATHS.envFile}: now names the one-member cluster`);
  if (solo.envEdited) {
    out.warn(
      `${FIXED_PATHS.envFile} was edited since etcdup wrote it: left as it is (etcd ignores ETCD_INITIAL_* now)`,
    );
  }
  const svc = serviceManager(host);
  let revision: number | undefined;
  if (svc.live) {
    out.step(`starting ${state.unit}`);
    try {
      await svc.start(state.unit);
    } catch (err) {
      // The unit restarts etcd (Restart=always): a first start that fails (seen once under heavy load) is
      // not the end of the restore; health over mutual TLS within --health-timeout decides.
      out.warn(
        `${state.unit} failed its first start (${
          (err as Error).message.split("\n")[0]
        }); waiting for systemd's restart`,
      );
    }
    revision = await checkServing(host, state, marker, opts.healthTimeoutMs);
    out.step(`etcd is healthy and serves revision ${revision}`);
  }
  host.remove(RESTORE_MARKER);
  return { marker, movedAside, ...(revision !== undefined ? { revision } : {}) };
}

/** Waits for health over mutual TLS and returns the served revision; below the snapshot's is an error. */
async function checkServing(
  host: HostRoot,
  state: InstallState,
  marker: RestoreMarker,
  timeoutMs: number,
): Promise<number> {
  const client = adminClient(host, state);
  await waitHealthy({ ...client, endpoints: client.endpoints.slice(0, 1), timeoutMs });
  const api = new ClusterApi(client);
  try {
    const revision = (await api.status(client.endpoints[0])).revision ?? 0;
    if (revision < marker.revision) {
      throw verificationError(
        "restore-revision-mismatch",
        `etcd serves revision ${revision} after the restore, below the snapshot's ${marker.revision}`,
        `The old data dir is kept in ${marker.aside}. See 'journalctl -u ${state.unit}'.`,
      );
    }
    return revision;
  } finally {
    await api.close();
  }
}
