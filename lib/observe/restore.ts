/**
 * `restore`'s observation (lib/backup/observed.ts's {@link RestoreObserved}): the snapshot file named (its
 * type, SHA-256 and the record beside it: reads, which the dry run makes too) with the `--identity` read when
 * it is encrypted, the marker of an unfinished restore, the data dir and etcd's unit. A bucket is contacted by
 * the dry run only (the run fetches from it): the object the run would fetch is found as the run finds it
 * (lib/offsite/restore_remote.ts), its record read and its first bytes (an age header) checked, nothing
 * downloaded or written.
 */
import * as path from "node:path";
import { EtcdupError, usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { sha256FileAsync } from "../host/hash.ts";
import type { InstallState } from "../state_record.ts";
import { serviceManager } from "../host/systemd.ts";
import { checkAgeFileHeader, checkAgeHeader, loadIdentities } from "../backup/age.ts";
import { readMarker } from "../backup/marker.ts";
import { parseSnapshotName } from "../backup/names.ts";
import type {
  AgeHeaderCheck,
  ObservedRemoteSnapshot,
  ObservedSnapshotFile,
  RestoreObserved,
  RestoreSource,
} from "../backup/observed.ts";
import { readRecordAt } from "../backup/store.ts";
import { openRemote, type S3Options } from "../offsite/remote.ts";
import {
  identitiesFor,
  locateSnapshot,
  prefixUrlOf,
  remoteRestoreSource,
} from "../offsite/restore_remote.ts";
import { fetchRecord } from "../offsite/ship.ts";

/** The bytes of an object read for its age header: room for hundreds of recipients' stanzas. */
const AGE_HEADER_BYTES = 64 * 1024;

/** What restore was asked to restore from, and how. */
export interface RestoreRequest {
  /** The FILE or s3:// URL argument. */
  arg: string | undefined;
  latest: boolean;
  dryRun: boolean;
  /** `--identity` and the S3 flags. */
  options: S3Options & { readonly identity?: string };
  env: Record<string, string | undefined>;
}

/**
 * The snapshot file at real path `file`: a regular file's record and digest (unless `digest` is false), or
 * why it is none.
 */
export async function observeSnapshotFile(file: string, digest = true): Promise<ObservedSnapshotFile> {
  const encrypted = file.endsWith(".age");
  const st = await Deno.stat(file).catch(() => undefined);
  if (!st?.isFile) return { file, encrypted, missing: st ? "not a regular file" : "it does not exist" };
  const { record, problem } = readRecordAt(file);
  return {
    file,
    encrypted,
    ...(digest ? { sha256: await sha256FileAsync(file) } : {}),
    ...(record ? { record } : { recordProblem: problem }),
  };
}

/** Runs an age header check; its refusal kept as data, so the plan refuses in the run's order. */
async function headerCheck(check: () => Promise<void>): Promise<AgeHeaderCheck> {
  try {
    await check();
    return { opens: true };
  } catch (err) {
    if (!(err instanceof EtcdupError)) throw err;
    return {
      opens: false,
      refusal: { code: err.code, message: err.message, hint: err.hint, exit: err.exit },
    };
  }
}

/**
 * The dry run's look at the bucket: the object the run would fetch (named, or the newest with `--latest`),
 * refused as the run refuses it before downloading (no bucket, a prefix, no snapshot, an encrypted one
 * without a usable `--identity`, no record or not etcdup's), its size and first bytes.
 */
async function observeRemoteSnapshot(host: HostRoot, r: RestoreRequest): Promise<ObservedRemoteSnapshot> {
  const { url, settings } = remoteRestoreSource(host, r.options, r.arg);
  const client = openRemote({ ...settings, url: prefixUrlOf(url, r.latest) }, r.env);
  try {
    const key = await locateSnapshot(client, url, r.latest, parseSnapshotName);
    const identities = identitiesFor(url, key, r.options.identity);
    const { record } = await fetchRecord(client, key);
    const { start, size } = await client.getStart(key, identities ? AGE_HEADER_BYTES : 1);
    const header = identities
      ? await headerCheck(() => checkAgeHeader(ReadableStream.from([start]), identities, client.url(key)))
      : undefined;
    return {
      url: client.url(key),
      size,
      encrypted: identities !== undefined,
      recordSha256: record.sha256,
      ...(header ? { header } : {}),
    };
  } finally {
    await client.close();
  }
}

/**
 * What restore's argument (and `--latest`) names; refused (`restore-needs-source`, exit 2) when nothing is.
 * An encrypted file's `--identity` is read now (refused when unreadable, invalid or unsafe), its digest and
 * age header in the dry run only: the run's decryption step checks them itself (lib/offsite/restore_prep.ts).
 */
async function sourceOf(host: HostRoot, r: RestoreRequest): Promise<RestoreSource> {
  if (r.latest || r.arg?.startsWith("s3://")) {
    return {
      kind: "s3",
      url: r.arg,
      latest: r.latest,
      ...(r.dryRun ? { remote: await observeRemoteSnapshot(host, r) } : {}),
    };
  }
  if (r.arg === undefined) {
    throw usageError("restore-needs-source", "restore needs a snapshot FILE or s3:// URL, or --latest");
  }
  const file = path.resolve(r.arg);
  const encrypted = file.endsWith(".age");
  const identities = encrypted && r.options.identity ? loadIdentities(r.options.identity) : undefined;
  const snapshot = await observeSnapshotFile(file, r.dryRun || !encrypted);
  if (identities && r.dryRun && snapshot.missing === undefined) {
    snapshot.header = await headerCheck(() => checkAgeFileHeader(file, identities));
  }
  return { kind: "file", snapshot, ...(identities ? { identities } : {}) };
}

/** Observes the host for restoring the member `state` describes from what `request` names. */
export async function observeRestore(
  host: HostRoot,
  state: InstallState,
  request: RestoreRequest,
): Promise<RestoreObserved> {
  const svc = serviceManager(host);
  return {
    state,
    source: await sourceOf(host, request),
    pending: readMarker(host),
    dataDirExists: host.stat(state.dataDir) !== undefined,
    unit: { live: svc.live, active: svc.live && await svc.isActive(state.unit) },
  };
}
