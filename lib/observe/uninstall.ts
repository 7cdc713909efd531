/**
 * Uninstall's observation: every host read `etcdup uninstall` decides from, made before anything is decided,
 * into plain data ({@link UninstallObserved}): the state record and an earlier uninstall's remains record
 * ({@link readRecords}), then, for the paths those name, each recorded file as it is now, what lies in the
 * PKI dirs (client pairs, backups of replaced files), etcdup's snapshots in the backup dir, and whether the
 * unit and the timers are active and enabled. lib/daytwo/uninstall_plan.ts decides from it alone.
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import { currentFiles } from "../host/file_writes.ts";
import { readRemains, readState } from "../host/state.ts";
import type { InstallState } from "../state_record.ts";
import { serviceManager } from "../host/systemd.ts";
import { pkiBackupDir } from "../pki/layout.ts";
import { listSnapshots } from "../backup/store.ts";
import type { TimerObserved, UninstallObserved, UninstallRecords } from "../daytwo/uninstall_observed.ts";

/** What to look at, from the records (lib/daytwo/uninstall_plan.ts's footprint). */
export interface UninstallWhere {
  files: string[];
  pkiDirs: string[];
  backupDir: string;
}

/** Reads the state record and the remains record. */
export function readRecords(host: HostRoot): UninstallRecords {
  const state = readState(host);
  const remains = readRemains(host);
  return { ...(state ? { state } : {}), ...(remains ? { remains } : {}) };
}

/** The entries of target dir `dir` (none when it cannot be read). */
function entries(host: HostRoot, dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(host.resolve(dir))];
  } catch {
    return [];
  }
}

/** Every file under target dir `dir`, recursively (symlinks listed, not followed). */
function filesUnder(host: HostRoot, dir: string): string[] {
  return entries(host, dir).flatMap((e) => {
    const p = path.posix.join(dir, e.name);
    return e.isDirectory ? filesUnder(host, p) : [p];
  });
}

/** The unit and timers of `state` as systemd has them now. */
async function observeService(host: HostRoot, state: InstallState): Promise<UninstallObserved["service"]> {
  const svc = serviceManager(host);
  const unit = async (name: string) => ({ name, active: await svc.isActive(name), enabled: false });
  const timers: TimerObserved[] = [];
  for (const name of state.timers ?? []) {
    const service = name.replace(/\.timer$/, ".service");
    timers.push({
      ...await unit(name),
      enabled: await svc.isEnabled(name),
      service: { name: service, active: await svc.isActive(service) },
    });
  }
  const main = { ...await unit(state.unit), enabled: await svc.isEnabled(state.unit) };
  return { unit: main, timers, live: svc.live };
}

/** Observes `host` for an uninstall of what `records` name, at the paths `where` lists. */
export async function observeUninstall(
  host: HostRoot,
  records: UninstallRecords,
  where: UninstallWhere,
): Promise<UninstallObserved> {
  const pkiDirs = where.pkiDirs.map((dir) => ({
    dir,
    files: entries(host, dir).filter((e) => e.isFile).map((e) => path.posix.join(dir, e.name)),
    backups: filesUnder(host, pkiBackupDir(dir)),
  }));
  const snapshots = listSnapshots(host, where.backupDir).map((s) => s.path);
  return {
    ...records,
    files: currentFiles(host, where.files),
    pkiDirs,
    backups: { dir: where.backupDir, snapshots },
    ...(records.state ? { service: await observeService(host, records.state) } : {}),
  };
}
