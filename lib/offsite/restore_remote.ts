/**
 * The bucket a restore names and the snapshot object in it, found the same way by the run (which downloads
 * it: lib/offsite/restore_source.ts) and by the dry run's observation (which only reads its record and its
 * first bytes: lib/observe/restore.ts), so the two refuse alike and in the same order: no bucket given or
 * recorded, a prefix without `--latest`, no etcdup snapshot under it, an encrypted one without a usable
 * `--identity`.
 */
import * as path from "node:path";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { loadIdentities } from "../backup/age.ts";
import { parseS3Url } from "./location.ts";
import { readOffsite } from "./recorded.ts";
import { type RemoteSettings, remoteSettings, type S3Options } from "./remote.ts";
import { listRemoteSnapshots } from "./remote_snapshots.ts";
import type { S3Client } from "./s3.ts";

/**
 * The `s3://` URL restore's argument names (or, for `--latest` alone, the recorded upload) and how to reach
 * it: the S3 flags for a URL given, the recorded settings for the recorded upload.
 */
export function remoteRestoreSource(
  host: HostRoot,
  options: S3Options,
  arg: string | undefined,
): { url: string; settings: Omit<RemoteSettings, "url"> } {
  const recorded = readOffsite(host).remote;
  const url = arg ?? recorded?.url;
  if (!url) {
    throw usageError(
      "restore-needs-source",
      "restore --latest needs s3://BUCKET/PREFIX (no upload is recorded here)",
      "Give the bucket and prefix the backups were uploaded to.",
    );
  }
  return { url, settings: arg ? remoteSettings({ ...options, upload: url })! : recorded! };
}

/**
 * The `s3://BUCKET/PREFIX` to open a client on for `url`: itself with `latest`, else the folder of the
 * object it names (refused, `restore-url-not-object`, when it names a prefix).
 */
export function prefixUrlOf(url: string, latest: boolean): string {
  if (latest) return url;
  const { bucket, key } = parseS3Url(url, "restore");
  if (key === "" || key.endsWith("/")) {
    throw usageError(
      "restore-url-not-object",
      `restore ${url} names a prefix, not a snapshot`,
      "Name one snapshot (see 'etcdup backup list --remote') or add --latest.",
    );
  }
  const dir = path.posix.dirname(key);
  return `s3://${bucket}/${dir === "." ? "" : dir}`;
}

/**
 * The key of the snapshot `url` names, or with `latest` of the newest snapshot whose name `parse` accepts
 * under the client's prefix (refused, `remote-no-snapshot`, when there is none).
 */
export async function locateSnapshot(
  client: S3Client,
  url: string,
  latest: boolean,
  parse: (name: string) => { time: Date } | undefined,
): Promise<string> {
  if (!latest) return parseS3Url(url, "restore").key;
  const newest = (await listRemoteSnapshots(client, parse))[0];
  if (!newest) {
    throw new EtcdupError({
      code: "remote-no-snapshot",
      message: `no etcdup snapshot under ${url}`,
      hint: "Check the bucket and prefix (the --upload URL the backups use).",
      exit: Exit.precondition,
    });
  }
  return newest.key;
}

/**
 * The identities that decrypt the object at `url` when its `key` is an age file (`.age`), read from
 * `identityFile` before anything is downloaded; undefined for a plaintext snapshot.
 */
export function identitiesFor(url: string, key: string, identityFile?: string): string[] | undefined {
  if (!key.endsWith(".age")) return undefined;
  if (!identityFile) {
    throw usageError(
      "identity-required",
      `${url} is encrypted (age) and no --identity was given`,
      "Pass --identity FILE: the age identity whose public key the backups were encrypted to.",
    );
  }
  return loadIdentities(identityFile);
}
