/**
 * Deciding, file by file, what applying the plan does: create, update, fix owner/mode, keep, or keep a
 * file the operator edited. Pure: the caller passes what is on disk and what the state record says.
 */
import type { OwnedFile } from "../host/state.ts";
import { sha256Hex } from "../host/fs.ts";

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

/** A root-owned text file whose edits are kept (unit, env file, profile, timer units). */
export function rootFile(p: string, content: string, mode: number, readByEtcd: boolean): DesiredFile {
  return {
    path: p,
    content,
    sha256: sha256Hex(content),
    uid: 0,
    gid: 0,
    mode,
    protectEdits: true,
    readByEtcd,
  };
}

/**
 * Content given by reference: the bytes of the file at the real path `copyOf`, copied in chunks when applied.
 * For big files (etcdup's own compiled executable is ~100 MiB): holding one in memory would cost its size in
 * resident memory (issue 17).
 */
export interface FileCopy {
  copyOf: string;
}

/** What is on disk now (undefined: nothing). */
export interface CurrentFile {
  sha256: string;
  uid: number;
  gid: number;
  mode: number;
}

/** What applying does to one file. */
export type FileAction = "create" | "update" | "fix-owner-mode" | "keep" | "keep-edited";

/**
 * Decides the action for one file.
 * @example decideFile(desired, undefined, undefined) // "create"
 */
export function decideFile(desired: DesiredFile, current?: CurrentFile, recorded?: OwnedFile): FileAction {
  if (!current) return "create";
  if (current.sha256 === desired.sha256) {
    return current.uid === desired.uid && current.gid === desired.gid && current.mode === desired.mode
      ? "keep"
      : "fix-owner-mode";
  }
  if (desired.protectEdits && recorded?.sha256 !== current.sha256) return "keep-edited";
  return "update";
}

/** Whether an action changes the file's content on disk. */
export function writesContent(action: FileAction): boolean {
  return action === "create" || action === "update";
}
