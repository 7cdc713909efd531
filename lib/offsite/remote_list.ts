/**
 * `etcdup backup list --remote`: etcdup's snapshots in the bucket (the `--upload` given, else the one the
 * last backup recorded), newest first, with time, member, size, age, and whether each is encrypted and has
 * its record (only those can be restored from the bucket).
 */
import { usageError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { readOffsite } from "./recorded.ts";
import { openRemote, remoteSettings, type S3Options } from "./remote.ts";
import { listRemoteSnapshots } from "./remote_snapshots.ts";

/** One snapshot object, as listed. */
export interface RemoteListed {
  url: string;
  takenAt: string;
  member: string;
  etcdVersion: string;
  size: number;
  ageSeconds: number;
  encrypted: boolean;
  /** Whether its record object is beside it. */
  record: boolean;
}

/** Lists the bucket; returns its `s3://BUCKET/PREFIX` and the snapshots. */
export async function listRemote(
  host: HostRoot,
  options: S3Options,
  env: Record<string, string | undefined>,
  now = Date.now(),
): Promise<{ location: string; snapshots: RemoteListed[] }> {
  const settings = remoteSettings(options) ?? readOffsite(host).remote;
  if (!settings) {
    throw usageError(
      "remote-not-configured",
      "backup list --remote: no --upload s3://BUCKET/PREFIX given and none recorded by a backup",
      "Give --upload s3://BUCKET/PREFIX (and --s3-endpoint, --s3-credentials as for backup).",
    );
  }
  const client = openRemote(settings, env);
  try {
    const found = await listRemoteSnapshots(client, parseSnapshotName);
    return {
      location: client.url(client.location.prefix),
      snapshots: found.map((s) => ({
        url: client.url(s.key),
        takenAt: s.info.time.toISOString(),
        member: s.info.member,
        etcdVersion: s.info.version,
        size: s.size,
        ageSeconds: Math.round((now - s.info.time.getTime()) / 1000),
        encrypted: s.info.encrypted === true,
        record: s.recordKey !== undefined,
      })),
    };
  } finally {
    await client.close();
  }
}
