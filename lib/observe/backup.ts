/**
 * `backup`'s observation: every host read its plan needs, made once before anything is decided
 * (lib/backup/observed.ts's {@link BackupObserved}): the backup directory's snapshots and their records,
 * what interrupted runs left there, the free space on its filesystem and the member's quota. The offsite
 * settings (recorded or given) are read by lib/offsite/recorded.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import type { BackupObserved } from "../backup/observed.ts";
import { findLeftovers, listSnapshots } from "../backup/store.ts";
import { localQuota } from "./maintain.ts";

/** Bytes root may write on the filesystem holding `dir` (target path) or its nearest existing parent. */
function freeBytes(host: HostRoot, dir: string): number | undefined {
  for (let d = dir;; d = path.posix.dirname(d)) {
    if (host.exists(d)) {
      try {
        const st = fs.statfsSync(host.resolve(d));
        return st.bavail * st.bsize;
      } catch {
        return undefined;
      }
    }
    if (d === "/") return undefined;
  }
}

/** Observes the backup directory `dir` (target path) of the member `state` describes. */
export function observeBackup(host: HostRoot, state: InstallState, dir: string): BackupObserved {
  return {
    state,
    dir,
    dirExists: host.exists(dir),
    snapshots: listSnapshots(host, dir),
    leftovers: findLeftovers(host, dir),
    freeBytes: freeBytes(host, dir),
    quotaBytes: localQuota(host),
  };
}
