/**
 * The records etcdup keeps on a host, as data every layer shares: the state record of what etcdup owns
 * (/var/lib/etcdup/state.json) and the record of what a non-purge uninstall kept. The state record names
 * every file etcdup wrote with its hash, owner and mode, so re-runs can tell a user's edit from etcdup's own
 * content, and `uninstall`/`status` know exactly what to remove or check. Reading and writing them is the
 * host's (lib/host/state.ts).
 */
import type { OwnedFile } from "./files.ts";
import type { PlannedSource } from "./release_source.ts";

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

/**
 * Where `certs rotate-ca` records the phase a CA rotation of this host is in (target path), so `certs check`
 * names the next step and a re-run after a kill converges (lib/pki/journal.ts reads it).
 */
export const CA_ROTATION_FILE = "/var/lib/etcdup/ca-rotation.json";

/**
 * The phase of a CA rotation: `staging`, `switching`, `finishing` while that step runs (left so by a
 * kill), `staged` and `switched` once the step is done; none once `--finish` is done.
 */
export type CaRotationPhase = "staging" | "staged" | "switching" | "switched" | "finishing";

/** The record at {@link CA_ROTATION_FILE}. */
export interface CaRotation {
  schema: 1;
  /** The PKI directory rotated (target path). */
  pkiDir: string;
  phase: CaRotationPhase;
  /** The new CA's certificate (PEM; no key). */
  caCert: string;
  /** The flags that name the new CA to the next step (`--ca-from FILE`), when a file holds it. */
  caFlags?: string[];
  /** Where a stage that made the new CA exports it (`--stage --out FILE`): a re-run takes the CA from there. */
  exported?: string;
  /** ISO time the phase was recorded. */
  at: string;
}
