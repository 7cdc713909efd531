/**
 * Writing a {@link PkiPlan} (the host side, with observe.ts): the PKI directories (0755 root), every
 * created or replaced file atomically with its owner and mode set before its content, owner/mode fixes,
 * and a backup of every replaced file under `<pki dir>/backup/<UTC timestamp>/` (0700 root, each file
 * keeping its old owner and mode, a key never wider than 0600). Each key is written before its certificate
 * (see {@link writeOrder}). Owners named "root" and "etcd" in the plan become ids only here, the etcd
 * account's given at write time; and the rotation journal (journal.ts) is written and removed here. It
 * writes from what was observed (observe.ts): nothing the plan was decided from is read again.
 */
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import type { OwnedFile } from "../files.ts";
import { sha256Hex } from "../hash.ts";
import type { HostRoot, Ownership } from "../host/fs.ts";
import { observedAt, ownerIds, pkiText, ROOT_KEY_OWNER } from "./files.ts";
import { type RotationJournal, rotationJournalPath } from "./journal.ts";
import { pkiBackupDir, type PkiPaths } from "./layout.ts";
import type { EtcdIds, ObservedPki, PkiPlan, PlannedFile } from "./types.ts";

/** Timestamp used for backup directories: 20260125T101500Z. */
function backupStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** What {@link writePki} did. */
export interface WriteResult {
  /** Target paths written or fixed. */
  written: string[];
  /** Files that did not exist before. */
  created: string[];
  /** Replaced files and where their old content was kept. */
  backups: { path: string; backup: string }[];
  /** Backup directory, when something was replaced. */
  backupDir?: string;
  /** Each file written or fixed as it now is (its planned content's hash, owner, mode): for the state record. */
  files: Record<string, OwnedFile>;
}

/** A fresh backup directory for this run (a suffix when one of the same second exists). */
function newBackupDir(host: HostRoot, pkiDir: string, now: Date): string {
  const base = path.join(pkiBackupDir(pkiDir), backupStamp(now));
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
function backupOwner(f: PlannedFile, st: Ownership): Ownership {
  return { uid: st.uid, gid: st.gid, mode: st.mode & (f.role.endsWith("-key") ? 0o600 : 0o755) };
}

/**
 * Refuses (`pki-changed`, exit 7) to write `plan` when a file it creates, replaces or fixes is no longer as
 * `observed` saw it (created, removed, replaced, rewritten or chowned since, by the entry's stamp): the plan
 * was decided from what was observed, and the backup would not hold what is replaced. Stats only: the
 * files are not read again.
 */
function checkUnchanged(plan: PkiPlan, host: HostRoot, observed: ObservedPki): void {
  const changed = plan.files.filter((f) => f.action !== "keep").filter((f) => {
    const seen = observedAt(observed, f.path);
    const now = host.stat(f.path);
    return seen.missing ? now !== undefined : now?.stamp !== seen.stamp;
  }).map((f) => f.path);
  if (changed.length === 0) return;
  throw new EtcdupError({
    code: "pki-changed",
    message: `changed since etcdup read them, before anything was written: ${changed.join(", ")}`,
    hint: "Another program is changing the PKI; let it finish, then re-run (the plan is made again).",
    exit: Exit.precondition,
  });
}

/**
 * Writes `plan` to `host`, "etcd" being `etcd`'s ids; files with action "keep" are not touched. `observed`
 * is what the plan was decided from: the backup of a replaced file is its observed text and owner (no file
 * is read again), and a file changed since is refused before the first write ({@link checkUnchanged}).
 */
export function writePki(
  plan: PkiPlan,
  observed: ObservedPki,
  host: HostRoot,
  now: Date,
  etcd?: EtcdIds,
): WriteResult {
  checkUnchanged(plan, host, observed);
  const result: WriteResult = { written: [], created: [], backups: [], files: {} };
  for (const dir of new Set(plan.files.filter((f) => f.action !== "keep").map((f) => path.dirname(f.path)))) {
    if (!host.exists(dir)) host.ensureDir(dir, { uid: 0, gid: 0, mode: 0o755 });
  }
  for (const f of writeOrder(plan.files)) {
    if (f.action === "keep") continue;
    const own = { ...ownerIds(f.owner, etcd), mode: f.mode };
    if (f.action === "fix-owner") {
      host.setOwnership(f.path, own);
    } else {
      const seen = observedAt(observed, f.path);
      const old = pkiText(seen);
      if (!seen.missing && old !== undefined) {
        result.backupDir ??= newBackupDir(host, plan.paths.dir, now);
        const backup = path.join(result.backupDir, path.basename(f.path));
        host.writeAtomic(backup, old, backupOwner(f, seen));
        result.backups.push({ path: f.path, backup });
      } else {
        result.created.push(f.path);
      }
      host.writeAtomic(f.path, f.content, own);
    }
    result.written.push(f.path);
    result.files[f.path] = { sha256: sha256Hex(f.content), ...own };
  }
  return result;
}

/** Undoes {@link writePki}: puts every backup back (same owner and mode) and removes created files. */
export function restorePki(result: WriteResult, host: HostRoot): void {
  for (const { path: p, backup } of result.backups) {
    const st = host.stat(backup)!;
    host.writeAtomic(p, host.read(backup)!, { uid: st.uid, gid: st.gid, mode: st.mode });
  }
  for (const p of result.created) host.remove(p);
}

/** Records the CA switch to `bundle` and `keyPem` (atomically, root 0600: it holds the CA key). */
export function writeRotationJournal(
  host: HostRoot,
  paths: PkiPaths,
  j: Omit<RotationJournal, "schema">,
): void {
  const own = { ...ownerIds(ROOT_KEY_OWNER.owner, undefined), mode: ROOT_KEY_OWNER.mode };
  host.writeAtomic(rotationJournalPath(paths), JSON.stringify({ schema: 1, ...j }) + "\n", own);
}

/** Removes the record once the switch is complete (or was rolled back). */
export function removeRotationJournal(host: HostRoot, paths: PkiPaths): void {
  host.remove(rotationJournalPath(paths));
}
