/**
 * The files etcdup installs, as data every layer shares: what the plan wants written, what is on disk, what
 * etcdup recorded writing (its state record, lib/host/state.ts), and the action the diff (lib/plan/diff.ts)
 * decides, which the host (lib/host/file_writes.ts) carries out.
 */

/** Where install places etcdup (target path): lib/host/self.ts writes it there, the timers' units run it. */
export const SELF_PATH = "/usr/local/bin/etcdup";

/** A file the plan wants on the host. */
export interface DesiredFile {
  /** Target path. */
  path: string;
  content: Uint8Array | string | FileCopy;
  sha256: string;
  uid: number;
  gid: number;
  mode: number;
  /**
   * Configuration the operator may edit (unit, env file, profile): once its content differs from what
   * etcdup recorded writing, it is kept and the new content goes beside it as `<path>.etcdup-new`.
   */
  protectEdits: boolean;
  /** Whether etcd reads it (a change means a restart). */
  readByEtcd: boolean;
}

/**
 * Content given by reference: the bytes of the file at the real path `copyOf`, copied in chunks when applied.
 * For big files (etcdup's own compiled executable is ~100 MiB): holding one in memory would cost its size in
 * resident memory (issue 17).
 */
export interface FileCopy {
  copyOf: string;
}

/** What the installed etcdctl says its bash completion is (lib/host/etcdctl_completion.ts), or why there is none. */
export type ObservedCompletion = { file: DesiredFile } | { none: string };

/**
 * A file's content hash, owner and mode: as etcdup recorded writing it (the state record), or as it is on
 * disk now (lib/host/file_writes.ts `currentFile`; undefined there: nothing). One shape for both, so the diff
 * and drift compare them field by field.
 */
export interface OwnedFile {
  sha256: string;
  uid: number;
  gid: number;
  mode: number;
}

/** What applying does to one file. */
export type FileAction = "create" | "update" | "fix-owner-mode" | "keep" | "keep-edited";

/** A desired file with the action applying takes. */
export interface FileDecision {
  file: DesiredFile;
  action: FileAction;
}

/** Suffix of the file etcdup writes beside a file the operator edited (the dry run names it, apply writes it). */
export const NEW_SUFFIX = ".etcdup-new";
