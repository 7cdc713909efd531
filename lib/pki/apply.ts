/**
 * Writing a {@link PkiPlan}: the PKI directories (0755 root), every created or replaced file atomically
 * with its owner and mode set before its content, owner/mode fixes, and a backup of every replaced file
 * under `<pki dir>/backup/<UTC timestamp>/` (0700 root, each file keeping its old owner and mode).
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import type { PkiPlan } from "./plan.ts";

/** Timestamp used for backup directories: 20260125T101500Z. */
export function backupStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** What {@link applyPki} did. */
export interface ApplyResult {
  /** Target paths written or fixed. */
  written: string[];
  /** Backup directory, when something was replaced. */
  backupDir?: string;
}

/** Applies `plan` to `host`; files with action "keep" are not touched. */
export function applyPki(plan: PkiPlan, host: HostRoot, now: Date): ApplyResult {
  const dirOwner = { uid: 0, gid: 0, mode: 0o755 };
  const written: string[] = [];
  let backupDir: string | undefined;
  for (const dir of new Set(plan.files.filter((f) => f.action !== "keep").map((f) => path.dirname(f.path)))) {
    if (host.stat(dir) === undefined) host.ensureDir(dir, dirOwner);
  }
  for (const f of plan.files) {
    const own = { uid: f.uid, gid: f.gid, mode: f.mode };
    if (f.action === "keep") continue;
    if (f.action === "fix-owner") {
      host.setOwnership(f.path, own);
    } else {
      const old = f.action === "replace" ? host.read(f.path) : undefined;
      const st = host.stat(f.path);
      if (old !== undefined && st) {
        backupDir ??= path.join(plan.paths.dir, "backup", backupStamp(now));
        if (host.stat(backupDir) === undefined) host.ensureDir(backupDir, { uid: 0, gid: 0, mode: 0o700 });
        host.writeAtomic(path.join(backupDir, path.basename(f.path)), old, {
          uid: st.uid,
          gid: st.gid,
          mode: st.mode,
        });
      }
      host.writeAtomic(f.path, f.content, own);
    }
    written.push(f.path);
  }
  return { written, backupDir };
}
