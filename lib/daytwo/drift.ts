/**
 * Drift: how the files etcdup recorded in its state differ from what is on disk now (observed with
 * lib/host/file_writes.ts's `currentFiles`). Comparing is pure, so `status` and `uninstall` share one
 * definition of "the user changed this file".
 */
import type { OwnedFile } from "../files.ts";

/** How one recorded file compares with the disk. */
export type DriftStatus = "ok" | "modified" | "missing" | "ownership";

/** One recorded file and how it compares. */
export interface DriftEntry {
  path: string;
  status: DriftStatus;
  expected: OwnedFile;
  /** What is on disk (absent when missing). */
  actual?: OwnedFile;
}

/**
 * Compares recorded files with observed ones: content first (`modified`), then owner and mode (`ownership`).
 * @example compareFiles({ "/a": rec }, { "/a": undefined })[0].status // "missing"
 */
export function compareFiles(
  recorded: Record<string, OwnedFile>,
  observed: Record<string, OwnedFile | undefined>,
): DriftEntry[] {
  return Object.entries(recorded).sort(([a], [b]) => a.localeCompare(b)).map(([p, expected]) => {
    const actual = observed[p];
    const status: DriftStatus = !actual
      ? "missing"
      : actual.sha256 !== expected.sha256
      ? "modified"
      : actual.uid !== expected.uid || actual.gid !== expected.gid || actual.mode !== expected.mode
      ? "ownership"
      : "ok";
    return actual ? { path: p, status, expected, actual } : { path: p, status, expected };
  });
}

/** The entries that are not `ok`. */
export function drifted(entries: DriftEntry[]): DriftEntry[] {
  return entries.filter((e) => e.status !== "ok");
}
