/**
 * Writing a {@link PkiPlan}: the PKI directories (0755 root), every created or replaced file atomically
 * with its owner and mode set before its content, owner/mode fixes, and a backup of every replaced file
 * under `<pki dir>/backup/<UTC timestamp>/` (0700 root, each file keeping its old owner and mode, a key
 * never wider than 0600). Each key is written before its certificate (see {@link writeOrder}).
 */
import * as path from "node:path";
import type { FileState, HostRoot, Ownership } from "../host/fs.ts";
import { readPkiFile } from "./files.ts";
import type { PkiPlan, PlannedFile } from "./plan.ts";

/** Timestamp used for backup directories: 20260125T101500Z. */
function backupStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** What {@link applyPki} did. */
export interface ApplyResult {
  /** Target paths written or fixed. */
  written: string[];
  /** Files that did not exist before. */
  created: string[];
  /** Replaced files and where their old content was kept. */
  backups: { path: string; backup: string }[];
  /** Backup directory, when something was replaced. */
  backupDir?: string;
}

/** A fresh backup directory for this run (a suffix when one of the same second exists). */
function newBackupDir(host: HostRoot, pkiDir: string, now: Date): string {
  const base = path.join(pkiDir, "backup", backupStamp(now));
  let dir = base;
  for (let n = 2; host.stat(dir) !== undefined; n++) dir = `${base}-${n}`;
  host.ensureDir(dir, { uid: 0, gid: 0, mode: 0o700 });
  return dir;
}

/** The pair a file belongs to: "ca", "server", ... (its role without `-cert`/`-key`). */
function pairOf(f: PlannedFile): string {
  return f.role.replace(/-(cert|key)$/, "");
}

/**
 * The order files are written in: pair by pair as planned (the CA first), each key before its
 * certificate. A kill between the two leaves a key without its (new) certificate, which the next plan
 * finishes by issuing the certificate for that key; never a certificate without its key.
 */
export function writeOrder(files: PlannedFile[]): PlannedFile[] {
  const pairs = [...new Set(files.map(pairOf))];
  const rank = (f: PlannedFile) => pairs.indexOf(pairOf(f)) * 2 + (f.role.endsWith("-key") ? 0 : 1);
  return [...files].sort((a, b) => rank(a) - rank(b));
}

/** Owner and mode of the backup of a file owned `st`: the same, never wider than 0600 for a key. */
function backupOwner(f: PlannedFile, st: FileState): Ownership {
  return { uid: st.uid, gid: st.gid, mode: st.mode & (f.role.endsWith("-key") ? 0o600 : 0o755) };
}

/** Applies `plan` to `host`; files with action "keep" are not touched. */
export function applyPki(plan: PkiPlan, host: HostRoot, now: Date): ApplyResult {
  const result: ApplyResult = { written: [], created: [], backups: [] };
  for (const dir of new Set(plan.files.filter((f) => f.action !== "keep").map((f) => path.dirname(f.path)))) {
    if (!host.exists(dir)) host.ensureDir(dir, { uid: 0, gid: 0, mode: 0o755 });
  }
  for (const f of writeOrder(plan.files)) {
    const own = { uid: f.uid, gid: f.gid, mode: f.mode };
    if (f.action === "keep") continue;
    if (f.action === "fix-owner") {
      host.setOwnership(f.path, own);
    } else {
      const old = readPkiFile(host, f.path);
      const st = host.stat(f.path);
      if (st && old !== undefined) {
        result.backupDir ??= newBackupDir(host, plan.paths.dir, now);
        const backup = path.join(result.backupDir, path.basename(f.path));
        host.writeAtomic(backup, old, backupOwner(f, st));
        result.backups.push({ path: f.path, backup });
      } else {
        result.created.push(f.path);
      }
      host.writeAtomic(f.path, f.content, own);
    }
    result.written.push(f.path);
  }
  return result;
}

/** Undoes {@link applyPki}: puts every backup back (same owner and mode) and removes created files. */
export function restorePki(result: ApplyResult, host: HostRoot): void {
  for (const { path: p, backup } of result.backups) {
    const st = host.stat(backup)!;
    host.writeAtomic(p, host.read(backup)!, { uid: st.uid, gid: st.gid, mode: st.mode });
  }
  for (const p of result.created) host.remove(p);
}
