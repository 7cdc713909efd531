/**
 * What `etcdup restore` restores from, made a plaintext snapshot file with a record beside it: a plain
 * local file is used as it is; an encrypted one (`.age`) is checked against its record and decrypted with
 * `--identity`; `s3://BUCKET/PREFIX/NAME` (or `--latest` under `s3://BUCKET/PREFIX`, or under the recorded
 * upload) is downloaded, verified by its record and decrypted. Fetched and decrypted files go into a fresh
 * root 0700 directory inside the backup directory: removed when fetching or decrypting fails, and once the
 * restore succeeded; kept when the restore itself did not finish (it is finished by naming the file there).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError, Exit, usageError, verificationError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { BACKUP_DIR_OWNER, readRecordAt, type SnapshotRecord, writeRecord } from "../backup/store.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { decryptFile, loadIdentities } from "../backup/age.ts";
import { readOffsite } from "./recorded.ts";
import { remoteSettings, type S3Options } from "./remote.ts";
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

/** Runs `fn`; when it fails (nothing was restored yet), removes the work directory before rethrowing. */
async function cleanOnFailure<T>(host: HostRoot, workDir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    fs.rmSync(host.resolve(workDir), { recursive: true, force: true });
    throw err;
  }
}

/** Resolves restore's argument (and `--latest`, `--identity`, the S3 flags) into a plaintext snapshot. */
export async function restoreInput(
  host: HostRoot,
  options: S3Options & { readonly identity?: string; readonly latest?: boolean },
  arg: string | undefined,
  env: Record<string, string | undefined>,
  backupDir: string,
): Promise<RestoreInput> {
  const identityFile = options.identity;
  const latest = options.latest === true;
  if (latest || arg?.startsWith("s3://")) {
    const recorded = readOffsite(host).remote;
    const url = arg ?? recorded?.url;
    if (!url) {
      throw usageError(
        "restore-needs-source",
        "restore --latest needs s3://BUCKET/PREFIX (no upload is recorded here)",
        "Give the bucket and prefix the backups were uploaded to.",
      );
    }
    const settings = arg ? remoteSettings({ ...options, upload: url })! : recorded!;
    const workDir = workDirIn(host, backupDir);
    return await cleanOnFailure(host, workDir, async () => {
      const got = await fetchForRestore<SnapshotRecord>(
        { url, latest, settings, identityFile },
        env,
        host.resolve(workDir),
        parseSnapshotName,
      );
      const target = path.join(workDir, path.basename(got.plain));
      if (got.encrypted) plainRecord(host, target, got.record, got.plainSha256);
      return { file: got.plain, from: got.from, workDir };
    });
  }
  if (!arg) {
    throw usageError("restore-needs-source", "restore needs a snapshot FILE or s3:// URL, or --latest");
  }
  const file = path.resolve(arg);
  if (!file.endsWith(".age")) return { file, from: file };
  if (!identityFile) {
    throw usageError(
      "identity-required",
      `${file} is encrypted (age) and no --identity was given`,
      "Pass --identity FILE: the age identity whose public key the backups were encrypted to.",
    );
  }
  const identities = loadIdentities(identityFile);
  const { record } = readRecordAt(file);
  if (!record) {
    throw new EtcdupError({
      code: "snapshot-unverified",
      message: `${file} has no record beside it, so its digest cannot be checked before decrypting`,
      hint: "Keep the .json record beside the snapshot (etcdup writes them together).",
      exit: Exit.verification,
    });
  }
  const sha = await sha256FileAsync(file);
  if (sha !== record.sha256) {
    throw verificationError(
      "snapshot-digest-mismatch",
      `${file}: its SHA-256 ${sha} differs from the one recorded beside it (${record.sha256})`,
      "Nothing was changed. Restore another snapshot ('etcdup backup list' checks them all).",
    );
  }
  const workDir = workDirIn(host, backupDir);
  return await cleanOnFailure(host, workDir, async () => {
    const target = path.join(workDir, path.basename(file).replace(/\.age$/, ""));
    const dec = await decryptFile(file, host.resolve(target), identities);
    plainRecord(host, target, record, dec.sha256);
    return { file: host.resolve(target), from: file, workDir };
  });
}
