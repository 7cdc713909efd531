/**
 * etcdup's own snapshots in a bucket: the objects directly under the configured prefix whose names the
 * caller's name parser accepts (etcdup's snapshot naming), each with its record object (`NAME.json`) when
 * there is one. Everything else under the prefix (other tools' files, deeper "folders", temp names) is
 * invisible here, so remote retention can only ever delete what etcdup wrote.
 */
import type { S3Client } from "./s3.ts";

/** One snapshot object. */
export interface RemoteSnapshot<T> {
  /** Full key, e.g. `etcd/prod/etcdup-20261201T220000.000Z-etcd-a-v3.5.30.db.age`. */
  key: string;
  /** The name under the prefix. */
  name: string;
  size: number;
  /** The record object's key, when one was uploaded beside it. */
  recordKey?: string;
  /** What the name parser read from the name (its time at least). */
  info: T;
}

/** Suffix of the record object beside a snapshot object. */
export const REMOTE_RECORD_SUFFIX = ".json";

/** The snapshots under the client's prefix whose names `parse` accepts, newest first. */
export async function listRemoteSnapshots<T extends { time: Date }>(
  client: S3Client,
  parse: (name: string) => T | undefined,
): Promise<RemoteSnapshot<T>[]> {
  const prefix = client.location.prefix;
  const objects = new Map<string, { key: string; size: number }>();
  for await (const o of client.list(prefix)) {
    const name = o.key.slice(prefix.length);
    if (!name.includes("/")) objects.set(name, { key: o.key, size: o.size });
  }
  const out: RemoteSnapshot<T>[] = [];
  for (const [name, o] of objects) {
    const info = parse(name);
    if (!info) continue;
    const record = objects.get(name + REMOTE_RECORD_SUFFIX);
    out.push({ key: o.key, name, size: o.size, recordKey: record?.key, info });
  }
  return out.sort((a, b) => b.info.time.getTime() - a.info.time.getTime());
}

/** Deletes the given snapshots and their records (one DeleteObjects request per 1,000 keys). */
export async function deleteRemoteSnapshots<T>(
  client: S3Client,
  snapshots: readonly RemoteSnapshot<T>[],
): Promise<void> {
  const keys = snapshots.flatMap((s) => (s.recordKey ? [s.key, s.recordKey] : [s.key]));
  if (keys.length > 0) await client.deleteObjects(keys);
}

/** Age in milliseconds of the newest snapshot, or undefined when there is none (for `status`). */
export function newestAgeMs<T extends { time: Date }>(
  snapshots: readonly RemoteSnapshot<T>[],
  now = new Date(),
): number | undefined {
  const newest = snapshots[0];
  return newest ? now.getTime() - newest.info.time.getTime() : undefined;
}
