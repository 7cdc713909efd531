/**
 * What `etcdup uninstall` removes and keeps, as a pure function of what etcdup owns (the state record plus
 * what earlier uninstalls kept) and the observed drift: files etcdup wrote and nobody changed are removed;
 * files the user edited are kept and reported; the PKI, the data directory and the upgrade backups are kept
 * unless `purge` (which removes the PKI even if it was renewed since, with the backups of replaced PKI files and
 * client pairs no record names). Nothing outside the records is touched.
 * A non-purge uninstall leaves a record of what it kept ({@link remainsAfter}) for a later `--purge`.
 * {@link diffUninstall} adds the service steps and the snapshots to it: the one value `--dry-run` prints
 * (uninstall_view.ts) and apply carries out (lib/commands/uninstall/execute.ts).
 */
import type { InstallState, Remains } from "../state_record.ts";
import type { OwnedFile } from "../files.ts";
import type { UninstallObserved } from "./uninstall_observed.ts";
import { compareFiles, type DriftEntry } from "./drift.ts";
import { pkiLeftovers } from "./pki_leftovers.ts";
import { BACKUP_ROOT } from "./snapshot.ts";
import { pkiBackupDir } from "../pki/layout.ts";

/** Everything an uninstall works from. All paths are target paths. */
export interface Footprint {
  /** The systemd unit to stop and disable (none when only an earlier uninstall's remains are left). */
  unit?: string;
  /** Data directories, dedicated WAL dirs included (kept unless purging). */
  dataDirs: string[];
  /** PKI directories (kept unless purging). */
  pkiDirs: string[];
  /** Every file etcdup recorded, as it wrote it. */
  files: Record<string, OwnedFile>;
  /** Directories etcdup created. */
  dirs: string[];
  /** PKI files etcdup wrote without recording them (backups, unrecorded client pairs; see pki_leftovers.ts). */
  unrecordedPki?: string[];
}

/** The uninstall, decided. All paths are target paths. */
export interface UninstallPlan {
  /** The systemd unit to stop and disable, if an installation is recorded. */
  unit?: string;
  /** Files to remove (etcdup's, unchanged in content). */
  remove: string[];
  /** Files kept because their content differs from what etcdup wrote. */
  keptEdited: string[];
  /** Files kept on purpose: the PKI, unless purging. */
  keptPki: string[];
  /** Directories to remove with everything in them (the data dirs and the backups, when purging). */
  removeTrees: string[];
  /** Recorded directories to remove if they are empty once the files are gone (deepest first). */
  removeIfEmpty: string[];
  /** Directories kept on purpose (the data and PKI dirs, unless purging). */
  keptDirs: string[];
  /** Recorded files that were already gone. */
  alreadyGone: string[];
}

/** Whether target path `p` is `dir` or inside it. */
export function isUnder(p: string, dir: string): boolean {
  const d = dir.endsWith("/") ? dir : dir + "/";
  return p === dir || p.startsWith(d);
}

const union = (...lists: string[][]): string[] => [...new Set(lists.flat())];
const dirOf = (p: string) => p.replace(/\/[^/]+$/, "") || "/";

/**
 * What etcdup owns here: the installation `state` records (if any) plus what earlier uninstalls kept. The
 * directories of client pairs issued for non-root users count as PKI dirs (kept unless purging).
 * @example footprint(undefined, remains).unit // undefined: nothing left to stop
 */
export function footprint(state: InstallState | undefined, remains: Remains | undefined): Footprint {
  const fp: Footprint = {
    dataDirs: union(
      remains?.dataDirs ?? [],
      state ? [state.dataDir, ...(state.walDir ? [state.walDir] : [])] : [],
    ),
    pkiDirs: union(
      remains?.pkiDirs ?? [],
      state ? [state.pkiDir] : [],
      (state?.userClients ?? []).flatMap((c) => [dirOf(c.certPath), dirOf(c.keyPath)]),
    ),
    files: { ...remains?.files, ...state?.files },
    dirs: union(remains?.dirs ?? [], state?.dirs ?? []),
  };
  return state ? { unit: state.unit, ...fp } : fp;
}

/**
 * Plans the uninstall of `fp` given `drift` (from {@link compareFiles} over `fp.files`).
 * @example planUninstall(footprint(state, undefined), drift, { purge: false }).keptDirs // [dataDir, pkiDir]
 */
export function planUninstall(fp: Footprint, drift: DriftEntry[], opts: { purge: boolean }): UninstallPlan {
  const plan: UninstallPlan = {
    ...(fp.unit ? { unit: fp.unit } : {}),
    remove: [],
    keptEdited: [],
    keptPki: [],
    removeTrees: [],
    removeIfEmpty: [],
    keptDirs: [],
    alreadyGone: [],
  };
  const inPki = (p: string) => fp.pkiDirs.some((d) => isUnder(p, d));
  for (const entry of drift) {
    const pki = inPki(entry.path);
    if (entry.status === "missing") plan.alreadyGone.push(entry.path);
    else if (pki && !opts.purge) plan.keptPki.push(entry.path);
    else if (entry.status === "modified" && !pki) plan.keptEdited.push(entry.path);
    else plan.remove.push(entry.path);
  }
  const unrecorded = fp.unrecordedPki ?? [];
  if (opts.purge) plan.remove.push(...unrecorded);
  else plan.keptPki.push(...unrecorded);
  const backups = fp.pkiDirs.map(pkiBackupDir).filter((d) => unrecorded.some((p) => isUnder(p, d)));
  if (opts.purge) plan.removeTrees.push(...fp.dataDirs, ...backups, BACKUP_ROOT);
  else plan.keptDirs.push(...fp.dataDirs, ...fp.pkiDirs);
  plan.removeIfEmpty = fp.dirs
    .filter((d) => !fp.dataDirs.some((data) => isUnder(d, data)) && (opts.purge || !inPki(d)))
    .sort((a, b) => b.split("/").length - a.split("/").length || a.localeCompare(b));
  return plan;
}

/**
 * The record a non-purge uninstall of `fp` by `plan` leaves behind: the data and PKI dirs, the PKI files
 * kept, and the recorded directories, so `uninstall --purge` can remove them later.
 */
export function remainsAfter(fp: Footprint, plan: UninstallPlan, now: Date): Remains {
  return {
    schema: 1,
    uninstalledAt: now.toISOString(),
    dataDirs: fp.dataDirs,
    pkiDirs: fp.pkiDirs,
    files: Object.fromEntries(plan.keptPki.filter((p) => p in fp.files).map((p) => [p, fp.files[p]])),
    dirs: fp.dirs,
  };
}

/** What happens to etcdup's snapshots in the backup directory: removed with --purge-backups, else kept. */
export interface BackupsPlan {
  dir: string;
  snapshots: string[];
  purge: boolean;
}

/**
 * One service step, in order: etcdup's timers stopped (with the services they start) and disabled, the
 * member leaving its cluster (`running`: etcd runs, so it can ask the others; else it can only say how),
 * the unit stopped and disabled.
 */
export type ServiceStep =
  | { action: "stop" | "disable"; unit: string }
  | { action: "leave-cluster"; member: string; peers: number; running: boolean };

/** Everything an uninstall run does, decided before it does any of it. */
export interface UninstallDiff {
  /**
   * nothing: no record (only --purge-backups has work); already-uninstalled: an earlier run's remains and
   * nothing asked to purge; uninstall: the run below.
   */
  kind: "nothing" | "already-uninstalled" | "uninstall";
  footprint: Footprint;
  plan: UninstallPlan;
  service: ServiceStep[];
  /** systemd reloads its units once the unit file is gone (on the live host). */
  daemonReload: boolean;
  backups: BackupsPlan;
  purge: boolean;
}

/** The uninstall flags the diff depends on. */
export interface UninstallOptions {
  purge: boolean;
  "purge-backups": boolean;
  "keep-member": boolean;
}

/** The service steps of an installation as observed (see {@link ServiceStep}). */
export function serviceSteps(
  state: InstallState,
  service: NonNullable<UninstallObserved["service"]>,
  keepMember: boolean,
): ServiceStep[] {
  const steps: ServiceStep[] = [];
  for (const t of service.timers) {
    for (const u of [t, t.service]) if (u.active) steps.push({ action: "stop", unit: u.name });
    if (t.enabled) steps.push({ action: "disable", unit: t.name });
  }
  const peers = state.initialCluster.split(",").filter((m) => m.trim() !== "").length;
  const running = service.unit.active;
  if (!keepMember && (running || peers > 1)) {
    steps.push({ action: "leave-cluster", member: state.name, peers, running });
  }
  if (running) steps.push({ action: "stop", unit: service.unit.name });
  if (service.unit.enabled) steps.push({ action: "disable", unit: service.unit.name });
  return steps;
}

/**
 * Decides the whole uninstall from `observed` (lib/observe/uninstall.ts) and the flags.
 * @example diffUninstall(observed, opts).kind // "uninstall" when a state record is there
 */
export function diffUninstall(observed: UninstallObserved, o: UninstallOptions): UninstallDiff {
  const { state, remains } = observed;
  const recorded = footprint(state, remains);
  const fp = { ...recorded, unrecordedPki: pkiLeftovers(observed.pkiDirs, recorded.files) };
  const plan = planUninstall(fp, compareFiles(fp.files, observed.files), { purge: o.purge });
  const backups = { ...observed.backups, purge: o["purge-backups"] };
  const kind = !state && !remains
    ? "nothing"
    : !state && !o.purge && !o["purge-backups"]
    ? "already-uninstalled"
    : "uninstall";
  const service = state && observed.service ? serviceSteps(state, observed.service, o["keep-member"]) : [];
  return {
    kind,
    footprint: fp,
    plan,
    service,
    daemonReload: observed.service?.live ?? false,
    backups,
    purge: o.purge,
  };
}

/** The paths an uninstall of `records` looks at (lib/observe/uninstall.ts), `backupDir` holding snapshots. */
export function uninstallWhere(records: Pick<UninstallObserved, "state" | "remains">, backupDir: string) {
  const fp = footprint(records.state, records.remains);
  return { files: Object.keys(fp.files), pkiDirs: fp.pkiDirs, backupDir };
}
