/**
 * What `etcdup restore` restores from, made a plaintext snapshot file with a record beside it: a plain
 * local file is used as it is; an encrypted one (`.age`) is checked against its record and decrypted with
 * `--identity`; `s3://BUCKET/PREFIX/NAME` (or `--latest` under `s3://BUCKET/PREFIX`, or under the recorded
 * upload) is downloaded, verified by its record and decrypted. Fetched and decrypted files go into a fresh
 * root 0700 directory inside the backup directory, made once the download or decryption begins: removed when
 * fetching or decrypting fails, and once the restore succeeded; kept when the restore itself did not finish (it is finished by naming the file there).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";
import { parseSnapshotName } from "../backup/names.ts";
import type { RestoreSource } from "../backup/observed.ts";
import { refuseEncrypted } from "../backup/restore_plan.ts";
import { BACKUP_DIR_OWNER, type SnapshotRecord, writeRecord } from "../backup/store.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { decryptFile } from "../backup/age.ts";
import type { S3Options } from "./remote.ts";
import { remoteRestoreSource } from "./restore_remote.ts";
import { fetchForRestore } from "./restore_source.ts";

/** The file to restore, where it came from, and the work directory to remove after success. */
export interface RestoreInput {
  /** Real path of a plaintext snapshot. */
  file: string;
  /** What the user named: a path or an s3:// URL. */
  from: string;
  /** Target path of the work directory, when one was made. */
  workDir?: string;
}

/** Writes the record of a plaintext made from `record`'s (encrypted) snapshot, beside it. */
function plainRecord(host: HostRoot, target: string, record: SnapshotRecord, plainSha256: string): void {
  const { encrypted: _e, plainSha256: _p, ...rest } = record;
  writeRecord(host, target, { ...rest, file: path.basename(target), sha256: plainSha256 });
}

/** A fresh work directory in the backup directory (target path). */
function workDirIn(host: HostRoot, backupDir: string): string {
  host.ensureDir(backupDir, BACKUP_DIR_OWNER);
  const dir = path.join(backupDir, `.etcdup-restore-${new Date().toISOString().replace(/[-:.]/g, "")}`);
  host.ensureDir(dir, BACKUP_DIR_OWNER);
  return dir;
}

/**
 * Runs `fn` with a maker of a fresh work directory in the backup directory (target path; made on the first
 * call, the same one after); when `fn` fails (nothing was restored yet), removes it, if it was made, before
 * rethrowing.
 */
async function withWorkDir<T>(
  host: HostRoot,
  backupDir: string,
  fn: (workDir: () => string) => Promise<T>,
): Promise<T> {
  let made: string | undefined;
  try {
    return await fn(() => (made ??= workDirIn(host, backupDir)));
  } catch (err) {
    if (made) fs.rmSync(host.resolve(made), { recursive: true, force: true });
    throw err;
  }
}

/**
 * Makes restore's source, as observed (lib/observe/restore.ts), a plaintext snapshot: a bucket's object
 * fetched, verified and decrypted (`arg`, `--latest`, the S3 flags and `--identity` say which and how); a
 * local `.age` file hashed against its record (the plan refused what it could refuse unread) and decrypted.
 */
export async function restoreInput(
  host: HostRoot,
  options: S3Options & { readonly identity?: string },
  source: RestoreSource,
  arg: string | undefined,
  env: Record<string, string | undefined>,
  backupDir: string,
): Promise<RestoreInput> {
  if (source.kind === "s3") {
    const { url, settings } = remoteRestoreSource(host, options, arg);
    return await withWorkDir(host, backupDir, async (workDir) => {
      const got = await fetchForRestore<SnapshotRecord>(
        { url, latest: source.latest, settings, identityFile: options.identity },
        env,
        () => host.resolve(workDir()),
        parseSnapshotName,
      );
      const target = path.join(workDir(), path.basename(got.plain));
      if (got.encrypted) plainRecord(host, target, got.record, got.plainSha256);
      return { file: got.plain, from: got.from, workDir: workDir() };
    });
  }
  const { snapshot } = source;
  const file = snapshot.file;
  if (!snapshot.encrypted) return { file, from: file };
  const { record, identities } = refuseEncrypted(
    { ...snapshot, sha256: await sha256FileAsync(file) },
    source.identities,
  );
  return await withWorkDir(host, backupDir, async (workDir) => {
    const target = path.join(workDir(), path.basename(file).replace(/\.age$/, ""));
    const dec = await decryptFile(file, host.resolve(target), identities);
    plainRecord(host, target, record, dec.sha256);
    return { file: host.resolve(target), from: file, workDir: workDir() };
  });
}
