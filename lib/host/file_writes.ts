/**
 * Observing and writing files on a host: what is on disk now (for the diff, lib/plan/diff.ts), and carrying
 * out its decisions: write what differs (atomically, owner and mode first), fix owner
 * and mode where only those differ, and put etcdup's new content beside a file the operator edited.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostRoot, Ownership } from "./fs.ts";
import { sha256File } from "./hash.ts";
import { type DesiredFile, type FileDecision, NEW_SUFFIX, type OwnedFile } from "../files.ts";

/** What is on disk at target path `p` as the diff compares it (lib/plan/diff.ts); undefined: no file. */
export function currentFile(host: HostRoot, p: string): OwnedFile | undefined {
  const st = host.stat(p);
  return st?.isFile
    ? { sha256: sha256File(host.resolve(p)), uid: st.uid, gid: st.gid, mode: st.mode }
    : undefined;
}

/** {@link currentFile} of each of `paths` (drift: `status`, `uninstall`). */
export function currentFiles(host: HostRoot, paths: string[]): Record<string, OwnedFile | undefined> {
  return Object.fromEntries(paths.map((p) => [p, currentFile(host, p)]));
}

/** Applies decisions; parents of new files are created root 0755. */
export function applyDecisions(host: HostRoot, decisions: FileDecision[]): void {
  for (const { file, action } of decisions) {
    const own = { uid: file.uid, gid: file.gid, mode: file.mode };
    const dir = path.dirname(file.path);
    if (action !== "keep" && !host.exists(dir)) {
      host.ensureDir(dir, { uid: 0, gid: 0, mode: 0o755 });
    }
    if (action === "create" || action === "update") put(host, file.path, file, own);
    else if (action === "fix-owner-mode") host.setOwnership(file.path, own);
    else if (action === "keep-edited") put(host, file.path + NEW_SUFFIX, file, own);
  }
}

/**
 * Removes the temp files killed runs left (see HostRoot.removeOrphanTemps) in each of `dirs` and in the
 * subdirectories of `backupRoots` (PKI backups); returns the target paths removed.
 */
export function removeOrphanTemps(host: HostRoot, dirs: string[], backupRoots: string[] = []): string[] {
  const all = new Set(dirs);
  for (const root of backupRoots) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(host.resolve(root));
    } catch { /* no backups */ }
    for (const n of names) all.add(path.posix.join(root, n));
  }
  return [...all].flatMap((d) => host.removeOrphanTemps(d));
}

/** Writes `file`'s content to `p`: bytes as they are, a {@link FileCopy} copied in chunks. */
function put(host: HostRoot, p: string, file: DesiredFile, own: Ownership): void {
  const c = file.content;
  if (typeof c === "object" && "copyOf" in c) host.copyAtomic(c.copyOf, p, own);
  else host.writeAtomic(p, c, own);
}
