/**
 * Moving a directory aside instead of deleting it: etcdup never deletes a data dir. The directory is renamed
 * to `<dir>.before-<why>-<UTC time>` in the same parent (one atomic rename, made durable with an fsync of the
 * parent) and an empty one with the same owner and mode 0700 takes its place. A kill leaves either the old
 * directory in place or the moved one beside an empty or missing `dir`; both converge on a re-run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostRoot } from "./fs.ts";
import { syncDir } from "./fs.ts";

/**
 * The name `dir` is moved to at `now`.
 * @example asideName("/var/lib/etcd", "replace", new Date("2026-12-01T22:05:01Z")) // "/var/lib/etcd.before-replace-20261201T220501Z"
 */
export function asideName(dir: string, why: string, now: Date): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
  return `${dir.replace(/\/+$/, "")}.before-${why}-${stamp}`;
}

/**
 * Renames directory `dir` (a target path under `host`) aside and recreates it empty with the same owner,
 * mode 0700; returns the target path it was moved to.
 */
export function moveAside(host: HostRoot, dir: string, why: string, now: Date): string {
  const st = host.stat(dir);
  if (!st?.isDirectory) throw new Error(`internal: ${host.resolve(dir)} is not a directory to move aside`);
  let to = asideName(dir, why, now);
  for (let n = 2; host.stat(to) !== undefined; n++) to = `${asideName(dir, why, now)}.${n}`;
  fs.renameSync(host.resolve(dir), host.resolve(to));
  syncDir(path.dirname(host.resolve(dir)));
  host.ensureDir(dir, { uid: st.uid, gid: st.gid, mode: 0o700 });
  return to;
}
