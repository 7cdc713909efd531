/**
 * A snapshot from the bucket, ready to restore: `s3://BUCKET/PREFIX/NAME` (or the newest of etcdup's
 * snapshots under `s3://BUCKET/PREFIX`) is downloaded with its record into a private work directory,
 * verified against the record's digest, and decrypted with the `--identity` when it is an age file
 * (`.age`), so the restore itself only ever sees a plaintext snapshot whose provenance was checked.
 */
import * as path from "node:path";
import { decryptFile } from "../backup/age.ts";
import { openRemote, type RemoteSettings } from "./remote.ts";
import { identitiesFor, locateSnapshot, prefixUrlOf } from "./restore_remote.ts";
import { type DigestRecord, fetchSnapshot } from "./ship.ts";

/** What to fetch. */
export interface RemoteSource {
  /** `s3://BUCKET/PREFIX/NAME` of one snapshot, or with `latest` the `s3://BUCKET/PREFIX` to pick from. */
  url: string;
  latest?: boolean;
  /** How to reach the service (endpoint, region, CA, credentials file); its `url` is ignored. */
  settings: Omit<RemoteSettings, "url">;
  /** `--identity FILE`, needed for `.age` snapshots. */
  identityFile?: string;
}

/** A fetched snapshot. */
export interface FetchedSnapshot<R> {
  /** The plaintext snapshot in the work directory (mode 0600). */
  plain: string;
  /** SHA-256 of the plaintext. */
  plainSha256: string;
  /** The record uploaded beside it (its digest is of the stored, possibly encrypted, bytes). */
  record: R;
  /** `s3://BUCKET/KEY` of the object restored from. */
  from: string;
  encrypted: boolean;
}

/**
 * Fetches, verifies and decrypts the snapshot `source` names into the directory `workDir` makes (a fresh
 * private one the caller removes; real path), made only once the record is read, so a source refused before
 * the download (no snapshot, no identity, no record) leaves nothing. `parse` is etcdup's snapshot-name parser
 * (it decides what `latest` may pick).
 */
export async function fetchForRestore<R extends DigestRecord>(
  source: RemoteSource,
  env: Record<string, string | undefined>,
  workDir: () => string,
  parse: (name: string) => { time: Date } | undefined,
): Promise<FetchedSnapshot<R>> {
  const latest = source.latest === true;
  const client = openRemote({ ...source.settings, url: prefixUrlOf(source.url, latest) }, env);
  try {
    const objectKey = await locateSnapshot(client, source.url, latest, parse);
    // Refuse before downloading what could not be decrypted anyway.
    const identities = identitiesFor(source.url, objectKey, source.identityFile);
    const got = await fetchSnapshot<R>(client, objectKey, workDir);
    const from = client.url(objectKey);
    if (!identities) {
      return { plain: got.path, plainSha256: got.record.sha256, record: got.record, from, encrypted: false };
    }
    const plain = path.join(path.dirname(got.path), path.basename(objectKey).replace(/\.age$/, ""));
    const dec = await decryptFile(got.path, plain, identities);
    return { plain, plainSha256: dec.sha256, record: got.record, from, encrypted: true };
  } finally {
    await client.close();
  }
}
