/**
 * Keeping the old files of an upgrade so it can be undone: before anything is replaced, each file that will
 * change (binaries, env file) is copied into the upgrade's backup directory with its owner and mode; a rollback
 * writes them back atomically. Both copy in chunks (etcd's binaries are tens of MiB, issue 17). The copies stay
 * on disk, so even an upgrade killed midway can be undone by hand.
 */
import * as path from "node:path";
import type { HostRoot, Ownership } from "../host/fs.ts";

/** One kept file: where it lives, where its copy is, and how it was owned. */
export interface KeptFile {
  /** Target path of the live file. */
  path: string;
  /** Target path of the copy inside the backup directory. */
  copy: string;
  own: Ownership;
}

/** Copies of the files an upgrade is about to replace. */
export interface KeptFiles {
  files: KeptFile[];
  /** Target paths that did not exist before (a rollback removes them). */
  absent: string[];
}

/** Private backup directories: root only. */
const PRIVATE_DIR: Ownership = { uid: 0, gid: 0, mode: 0o700 };

/**
 * Copies each of `paths` that exists into `backupDir` (created root 0700), keeping owner and mode, and
 * remembers the ones that are missing.
 */
export function keepFiles(host: HostRoot, paths: string[], backupDir: string): KeptFiles {
  host.ensureDir(backupDir, PRIVATE_DIR);
  const kept: KeptFiles = { files: [], absent: [] };
  for (const p of paths) {
    const st = host.stat(p);
    if (!st?.isFile) {
      kept.absent.push(p);
      continue;
    }
    const own = { uid: st.uid, gid: st.gid, mode: st.mode };
    const copy = path.posix.join(backupDir, p.replaceAll("/", "_").replace(/^_/, ""));
    host.copyAtomic(host.resolve(p), copy, { ...own, mode: own.mode & 0o700 });
    kept.files.push({ path: p, copy, own });
  }
  return kept;
}

/** Puts every kept file back atomically and removes the ones that did not exist; returns the paths touched. */
export function restoreFiles(host: HostRoot, kept: KeptFiles): string[] {
  const touched: string[] = [];
  for (const f of kept.files) {
    if (!host.stat(f.copy)?.isFile) throw new Error(`internal: backup copy ${host.resolve(f.copy)} vanished`);
    host.copyAtomic(host.resolve(f.copy), f.path, f.own);
    touched.push(f.path);
  }
  for (const p of kept.absent) if (host.remove(p)) touched.push(p);
  return touched;
}
