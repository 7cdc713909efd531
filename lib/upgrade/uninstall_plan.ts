/**
 * What `etcdup uninstall` removes and keeps, as a pure function of the state record and the observed drift:
 * files etcdup wrote and nobody changed are removed; files the user edited are kept and reported; the PKI and
 * the data directory are kept unless `purge` (which removes the PKI even if it was renewed since). Nothing
 * outside the record is ever touched.
 */
import type { InstallState } from "../host/state.ts";
import type { DriftEntry } from "./drift.ts";

/** The uninstall, decided. All paths are target paths. */
export interface UninstallPlan {
  /** The systemd unit to stop and disable. */
  unit: string;
  /** Files to remove (etcdup's, unchanged in content). */
  remove: string[];
  /** Files kept because their content differs from what etcdup wrote. */
  keptEdited: string[];
  /** Files kept on purpose: the PKI, unless purging. */
  keptPki: string[];
  /** Directories to remove with everything in them (the data dir, when purging). */
  removeTrees: string[];
  /** Recorded directories to remove if they are empty once the files are gone (deepest first). */
  removeIfEmpty: string[];
  /** Directories kept on purpose (the data dir and the PKI dir, unless purging). */
  keptDirs: string[];
  /** Recorded files that were already gone. */
  alreadyGone: string[];
}

/** Whether target path `p` is `dir` or inside it. */
export function isUnder(p: string, dir: string): boolean {
  const d = dir.endsWith("/") ? dir : dir + "/";
  return p === dir || p.startsWith(d);
}

/**
 * Plans the uninstall of `state` given `drift` (from {@link compareFiles} over `state.files`).
 * @example planUninstall(state, drift, { purge: false }).keptDirs // [state.dataDir, state.pkiDir]
 */
export function planUninstall(
  state: InstallState,
  drift: DriftEntry[],
  opts: { purge: boolean },
): UninstallPlan {
  const plan: UninstallPlan = {
    unit: state.unit,
    remove: [],
    keptEdited: [],
    keptPki: [],
    removeTrees: [],
    removeIfEmpty: [],
    keptDirs: [],
    alreadyGone: [],
  };
  for (const entry of drift) {
    const pki = isUnder(entry.path, state.pkiDir);
    if (entry.status === "missing") plan.alreadyGone.push(entry.path);
    else if (pki && !opts.purge) plan.keptPki.push(entry.path);
    else if (entry.status === "modified" && !pki) plan.keptEdited.push(entry.path);
    else plan.remove.push(entry.path);
  }
  if (opts.purge) plan.removeTrees.push(state.dataDir);
  else plan.keptDirs.push(state.dataDir, state.pkiDir);
  plan.removeIfEmpty = state.dirs
    .filter((d) => !isUnder(d, state.dataDir) && (opts.purge || !isUnder(d, state.pkiDir)))
    .sort((a, b) => b.split("/").length - a.split("/").length || a.localeCompare(b));
  return plan;
}
