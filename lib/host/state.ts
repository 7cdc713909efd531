/**
 * The record of what etcdup owns on a host: /var/lib/etcdup/state.json (root 0600, in a root 0700
 * directory). It names every file etcdup wrote with its hash, owner and mode, so re-runs can tell a user's
 * edit from etcdup's own content, and `uninstall`/`status` know exactly what to remove or check. After a
 * non-purge uninstall, /var/lib/etcdup/uninstalled.json (same owner and mode) records what it kept.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "./fs.ts";
import type { OwnedFile } from "../files.ts";
import type { PlannedSource } from "../release_source.ts";

/** Where the state record lives (target path). */
export const STATE_FILE = "/var/lib/etcdup/state.json";
/** The directory holding it. */
export const STATE_DIR = "/var/lib/etcdup";

/** A client pair owned by a non-root operator, and the login-shell profile that points etcdctl at it. */
export interface UserClient {
  name: string;
  user: string;
  certPath: string;
  keyPath: string;
  profile: string;
}

/** What etcdup installed and how. Paths are target paths. */
export interface InstallState {
  /** Format of this record. */
  schema: 1;
  /** etcd version installed, e.g. "v3.6.6". */
  version: string;
  arch: string;
  /** SHA-256 of the release tarball the binaries came from. */
  tarballSha256?: string;
  /** Where that tarball came from (a --bundle as the directory given), for a re-run to use again. */
  source?: PlannedSource;
  /** The digest the operator vouched for with --sha256, kept for re-runs (a private build's). */
  givenSha256?: string;
  binDir: string;
  dataDir: string;
  /** The dedicated WAL dir (`--wal-dir`), when one was given; absent: the WAL is in the data dir. */
  walDir?: string;
  pkiDir: string;
  /** PKI layout name ("etcd" or "kubeadm"). */
  layout: string;
  keyAlgorithm: string;
  /** Member name. */
  name: string;
  clientUrls: string[];
  peerUrls: string[];
  /** SANs of the server and peer certificates. */
  sans: { dns: string[]; ips: string[] };
  /** The initial cluster this member was bootstrapped with (`name=url,...`). */
  initialCluster: string;
  initialClusterState: "new" | "existing";
  clusterToken: string;
  /** The systemd unit name, e.g. "etcd.service". */
  unit: string;
  /** etcdup's timers enabled here, e.g. ["etcdup-backup.timer"] (absent in records of older etcdups). */
  timers?: string[];
  /** `--metrics-textfile-dir` of the last install, which later runs keep unless given another. */
  metricsTextfileDir?: string;
  /** Compaction, quota and raft timing etcd was configured with (absent in records of older etcdups). */
  care?: { compactionRetention: string; quotaBackendBytes: number; heartbeatMs: number; electionMs: number };
  /** `--metrics-address` (absent: loopback). */
  metricsAddress?: string;
  /** Every file etcdup wrote (binaries, unit, env, profile, completion, PKI), by target path. */
  files: Record<string, OwnedFile>;
  /** Directories etcdup created (data dir, pki dir), by target path. */
  dirs: string[];
  /** Client pairs issued for non-root operators (`certs issue-client NAME --for-user USER`). */
  userClients?: UserClient[];
  /** ISO time of the last install/upgrade that wrote this record. */
  updatedAt: string;
}

/** Reads the JSON `what` record at `file`, or undefined when it does not exist; `check` tells its shape. */
export function readRecord<T extends { schema: number }>(
  host: HostRoot,
  file: string,
  what: string,
  check: (data: T) => boolean,
): T | undefined {
  const text = host.readText(file);
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as T;
    if (!check(data)) throw new Error(`unknown schema ${data.schema}`);
    return data;
  } catch (err) {
    throw new EtcdupError({
      code: "state-unreadable",
      message: `${host.resolve(file)} is not a valid etcdup ${what}: ${(err as Error).message}`,
      hint: "Move it aside and re-run 'etcdup install' with the same flags to rebuild it.",
      exit: Exit.precondition,
      cause: err,
    });
  }
}

/** Writes a record atomically (root 0600, in the root 0700 state directory). */
export function writeRecord(host: HostRoot, file: string, data: unknown): void {
  host.ensureDir(STATE_DIR, { uid: 0, gid: 0, mode: 0o700 });
  host.writeAtomic(file, JSON.stringify(data, null, 2) + "\n", { uid: 0, gid: 0, mode: 0o600 });
}

/** Reads the state record, or undefined when etcdup never installed here. */
export function readState(host: HostRoot): InstallState | undefined {
  return readRecord<InstallState>(
    host,
    STATE_FILE,
    "state record",
    (d) => d.schema === 1 && typeof d.files === "object",
  );
}

/** Writes the state record atomically (root 0600). */
export function writeState(host: HostRoot, state: InstallState): void {
  writeRecord(host, STATE_FILE, state);
}

/** Where a non-purge `uninstall` records what it left behind (target path). */
export const REMAINS_FILE = "/var/lib/etcdup/uninstalled.json";

/**
 * What a non-purge `uninstall` kept on purpose (data dirs, PKI, backups), so a later `uninstall --purge`
 * can remove it although the state record is gone. Several uninstalls (after reinstalls) add up.
 */
export interface Remains {
  /** Format of this record. */
  schema: 1;
  /** ISO time of the last uninstall that wrote this record. */
  uninstalledAt: string;
  /** The data directories kept (removed with everything in them by --purge). */
  dataDirs: string[];
  /** The PKI directories kept. */
  pkiDirs: string[];
  /** The PKI files kept, as etcdup last recorded them, by target path. */
  files: Record<string, OwnedFile>;
  /** Directories etcdup created, removed by --purge when empty. */
  dirs: string[];
}

/** Reads the record of what an uninstall left behind, or undefined when there is none. */
export function readRemains(host: HostRoot): Remains | undefined {
  return readRecord<Remains>(
    host,
    REMAINS_FILE,
    "uninstall record",
    (d) => d.schema === 1 && Array.isArray(d.dataDirs) && typeof d.files === "object",
  );
}

/** Writes the record of what an uninstall left behind atomically (root 0600). */
export function writeRemains(host: HostRoot, remains: Remains): void {
  writeRecord(host, REMAINS_FILE, remains);
}
