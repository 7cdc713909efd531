/**
 * What install's diff (lib/install/diff.ts) decides from, as lib/observe/install.ts reads it: plain data,
 * beside its consumer and placed with it (model), so the pure diff names no host module.
 */
import type { DesiredFile, ObservedCompletion, OwnedFile } from "../files.ts";
import type { InstallState } from "../state_record.ts";
import type { EtcdIds, ObservedPki, PkiRequest } from "../pki/types.ts";

/** Owner and mode of a directory as observed. */
export interface DirState {
  uid: number;
  gid: number;
  mode: number;
}

/** Every host read install's diff needs, made up front. Plain data. */
export interface InstallObserved {
  /** The state record of an earlier install or join, if any. */
  previous: InstallState | undefined;
  /** The etcd account's ids, when it exists. */
  account: EtcdIds | undefined;
  /** The regular files at every file path the plan can write (config, self, completion, binaries). */
  files: Record<string, OwnedFile | undefined>;
  /** The directories the plan makes, as they are. */
  dirs: Record<string, DirState | undefined>;
  /** The plan's units (etcd's, its timers') that are enabled now. */
  enabled: string[];
  /** etcdup itself as install places it (the running executable or its source wrapper). */
  self: DesiredFile;
  /** The installed etcdctl's completion: read only when the binaries stay (undefined otherwise). */
  completion: ObservedCompletion | undefined;
  /** How the release will be verified, in words (a local tarball hashed now); for the dry run only. */
  verification?: string;
  /** The PKI request of the plan, with the CA source files it names read in. */
  pkiRequest: PkiRequest;
  /** The PKI files as they are (lib/pki/observe.ts), owners named by the etcd account when it exists. */
  pki: ObservedPki;
}
