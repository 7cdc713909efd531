/**
 * A snapshot and its record in a bucket, the same pair as in the backup directory: the snapshot object
 * first (streamed, verified, carrying its digest as metadata), then the record object `NAME.json`, so a
 * record in the bucket always means a complete snapshot beside it. Fetching reverses it: the record, then
 * the snapshot, whose SHA-256 must be the record's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import { REMOTE_RECORD_SUFFIX } from "./remote_snapshots.ts";
import type { S3Client, UploadResult } from "./s3.ts";

/** The part of a snapshot record this module relies on. */
export interface DigestRecord {
  /** Hex SHA-256 of the snapshot file as stored. */
  sha256: string;
}

/** Uploads `file` as `<prefix><name>` with `record` beside it; returns the snapshot's upload. */
export async function shipSnapshot(
  client: S3Client,
  file: string,
  record: DigestRecord,
  name = path.basename(file),
): Promise<UploadResult> {
  const key = client.location.prefix + name;
  const uploaded = await client.uploadFile(key, file, record.sha256);
  await client.putObject(
    key + REMOTE_RECORD_SUFFIX,
    new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n"),
  );
  return uploaded;
}

/** What {@link fetchSnapshot} wrote. */
export interface Fetched<R> {
  /** The downloaded snapshot (mode 0600, in the directory given). */
  path: string;
  record: R;
  size: number;
}

/**
 * The record object beside the snapshot object `key`, read and checked (a small read: restore's dry run makes
 * it too): refused (exit 5, `remote-record-missing`) when there is none, since without the recorded digest
 * nothing proves the bytes are the ones backed up, and (exit 3, `remote-record-invalid`) when it is not
 * etcdup's. Returns its text as stored and the record.
 */
export async function fetchRecord<R extends DigestRecord>(
  client: S3Client,
  key: string,
): Promise<{ text: string; record: R }> {
  const raw = await client.getBytes(key + REMOTE_RECORD_SUFFIX);
  if (raw === undefined) {
    throw new EtcdupError({
      code: "remote-record-missing",
      message: `${client.url(key)} has no record ${path.basename(key)}${REMOTE_RECORD_SUFFIX} beside it`,
      hint:
        "Only snapshots etcdup uploaded (with their record) can be restored from a bucket; list them with 'etcdup backup list --remote'.",
      exit: Exit.network,
    });
  }
  const text = new TextDecoder().decode(raw);
  try {
    const record = JSON.parse(text) as R;
    if (typeof record.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(record.sha256)) {
      throw new Error("no sha256");
    }
    return { text, record };
  } catch (err) {
    throw new EtcdupError({
      code: "remote-record-invalid",
      message: `${client.url(key + REMOTE_RECORD_SUFFIX)} is not etcdup's record: ${(err as Error).message}`,
      hint: "Pick another snapshot; this one cannot be verified.",
      exit: Exit.verification,
    });
  }
}

/**
 * Downloads the snapshot object `key` and its record ({@link fetchRecord}) into `dir` (a fresh private
 * directory the caller owns and removes, or what makes it, called once the record is read; as `basename(key)`
 * and its `.json`), refusing (exit 3) a snapshot whose SHA-256 is not its record's.
 */
export async function fetchSnapshot<R extends DigestRecord>(
  client: S3Client,
  key: string,
  dir: string | (() => string),
): Promise<Fetched<R>> {
  const { text, record } = await fetchRecord<R>(client, key);
  const dst = path.join(typeof dir === "string" ? dir : dir(), path.basename(key));
  const got = await client.getToFile(key, dst, record.sha256);
  fs.writeFileSync(dst + REMOTE_RECORD_SUFFIX, text, { mode: 0o600 });
  return { path: dst, record, size: got.size };
}
