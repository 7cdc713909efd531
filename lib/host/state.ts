/**
 * The record of what etcdup owns on a host: /var/lib/etcdup/state.json (root 0600, in a root 0700
 * directory). It names every file etcdup wrote with its hash, owner and mode, so re-runs can tell a user's
 * edit from etcdup's own content, and `uninstall`/`status` know exactly what to remove or check.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "./fs.ts";

/** Where the state record lives (target path). */
export const STATE_FILE = "/var/lib/etcdup/state.json";
/** The directory holding it. */
export const STATE_DIR = "/var/lib/etcdup";

/** One file etcdup wrote, as it was written. */
export interface OwnedFile {
  sha256: string;
  uid: number;
  gid: number;
  mode: number;
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
  binDir: string;
  dataDir: string;
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
  /** Every file etcdup wrote (binaries, unit, env, profile, completion, PKI), by target path. */
  files: Record<string, OwnedFile>;
  /** Directories etcdup created (data dir, pki dir), by target path. */
  dirs: string[];
  /** ISO time of the last install/upgrade that wrote this record. */
  updatedAt: string;
}

/** Reads the state record, or undefined when etcdup never installed here. */
export function readState(host: HostRoot): InstallState | undefined {
  const text = host.readText(STATE_FILE);
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as InstallState;
    if (data.schema !== 1 || typeof data.files !== "object") throw new Error(`unknown schema ${data.schema}`);
    return data;
  } catch (err) {
    throw new EtcdupError({
      code: "state-unreadable",
      message: `${host.resolve(STATE_FILE)} is not a valid etcdup state record: ${(err as Error).message}`,
      hint: "Move it aside and re-run 'etcdup install' with the same flags to rebuild it.",
      exit: Exit.precondition,
      cause: err,
    });
  }
}

/** Writes the state record atomically (root 0600). */
export function writeState(host: HostRoot, state: InstallState): void {
  host.ensureDir(STATE_DIR, { uid: 0, gid: 0, mode: 0o700 });
  host.writeAtomic(STATE_FILE, JSON.stringify(state, null, 2) + "\n", { uid: 0, gid: 0, mode: 0o600 });
}
