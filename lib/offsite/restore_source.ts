/**
 * A snapshot from the bucket, ready to restore: `s3://BUCKET/PREFIX/NAME` (or the newest of etcdup's
 * snapshots under `s3://BUCKET/PREFIX`) is downloaded with its record into a private work directory,
 * verified against the record's digest, and decrypted with the `--identity` when it is an age file
 * (`.age`), so the restore itself only ever sees a plaintext snapshot whose provenance was checked.
 */
import * as path from "node:path";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import { decryptFile, loadIdentities } from "../backup/age.ts";
import { parseS3Url } from "./location.ts";
import { openRemote, type RemoteSettings } from "./remote.ts";
import { listRemoteSnapshots } from "./remote_snapshots.ts";
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
 * Fetches, verifies and decrypts the snapshot `source` names into `workDir` (a fresh private directory the
 * caller removes). `parse` is etcdup's snapshot-name parser (it decides what `latest` may pick).
 */
export async function fetchForRestore<R extends DigestRecord>(
  source: RemoteSource,
  env: Record<string, string | undefined>,
  workDir: string,
  parse: (name: string) => { time: Date } | undefined,
): Promise<FetchedSnapshot<R>> {
  const { bucket, key } = parseS3Url(source.url, "restore");
  const prefixUrl = source.latest
    ? source.url
    : `s3://${bucket}/${path.posix.dirname(key) === "." ? "" : path.posix.dirname(key)}`;
  if (!source.latest && (key === "" || key.endsWith("/"))) {
    throw usageError(
      "restore-url-not-object",
      `restore ${source.url} names a prefix, not a snapshot`,
      "Name one snapshot (see 'etcdup backup list --remote') or add --latest.",
    );
  }
  const client = openRemote({ ...source.settings, url: prefixUrl }, env);
  try {
    let objectKey = key;
    if (source.latest) {
      const newest = (await listRemoteSnapshots(client, parse))[0];
      if (!newest) {
        throw new EtcdupError({
          code: "remote-no-snapshot",
          message: `no etcdup snapshot under ${source.url}`,
          hint: "Check the bucket and prefix (the --upload URL the backups use).",
          exit: Exit.precondition,
        });
      }
      objectKey = newest.key;
    }
    const name = path.posix.basename(objectKey);
    const encrypted = name.endsWith(".age");
    // Refuse before downloading what could not be decrypted anyway.
    const identities = encrypted ? loadIdentitiesFor(source) : undefined;
    const got = await fetchSnapshot<R>(client, objectKey, workDir);
    if (!identities) {
      return {
        plain: got.path,
        plainSha256: got.record.sha256,
        record: got.record,
        from: client.url(objectKey),
        encrypted,
      };
    }
    const plain = path.join(workDir, name.replace(/\.age$/, ""));
    const dec = await decryptFile(got.path, plain, identities);
    return { plain, plainSha256: dec.sha256, record: got.record, from: client.url(objectKey), encrypted };
  } finally {
    await client.close();
  }
}

function loadIdentitiesFor(source: RemoteSource): string[] {
  if (!source.identityFile) {
    throw usageError(
      "identity-required",
      `${source.url} is encrypted (age) and no --identity was given`,
      "Pass --identity FILE: the age identity whose public key the backups were encrypted to.",
    );
  }
  return loadIdentities(source.identityFile);
}
