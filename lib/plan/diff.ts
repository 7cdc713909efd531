/**
 * Deciding, file by file, what applying the plan does: create, update, fix owner/mode, keep, or keep a
 * file the operator edited. Pure: the caller passes what is on disk and what the state record says.
 */
import type { DesiredFile, FileAction, FileDecision, OwnedFile } from "../files.ts";
import { sha256Hex } from "../hash.ts";

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
 * Decides the action for one file.
 * @example decideFile(desired, undefined, undefined) // "create"
 */
export function decideFile(desired: DesiredFile, current?: OwnedFile, recorded?: OwnedFile): FileAction {
  if (!current) return "create";
  if (current.sha256 === desired.sha256) {
    return current.uid === desired.uid && current.gid === desired.gid && current.mode === desired.mode
      ? "keep"
      : "fix-owner-mode";
  }
  if (desired.protectEdits && recorded?.sha256 !== current.sha256) return "keep-edited";
  return "update";
}

/**
 * Decides every file against what is on disk (`current`, observed by lib/host/file_writes.ts's
 * {@link currentFile}) and what etcdup recorded writing.
 */
export function decideFiles(
  files: DesiredFile[],
  current: (path: string) => OwnedFile | undefined,
  recorded: Record<string, OwnedFile>,
): FileDecision[] {
  return files.map((file) => ({ file, action: decideFile(file, current(file.path), recorded[file.path]) }));
}

/** Whether an action changes the file's content on disk. */
export function writesContent(action: FileAction): boolean {
  return action === "create" || action === "update";
}
