/**
 * The bucket's line of `etcdup status` when an upload is configured (recorded by the last backup given
 * `--upload`): the newest etcdup snapshot there and its age. A newest remote snapshot older than two
 * periods of the backup timer, none at all, or a bucket that cannot be listed is a problem (status exits 6):
 * off-host backups that silently stopped are what this line is for.
 */
import { EtcdupError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { readOffsite } from "./recorded.ts";
import { openRemote } from "./remote.ts";
import { listRemoteSnapshots } from "./remote_snapshots.ts";

/** What status reports about the bucket. */
export interface RemoteBackupStatus {
  /** `s3://BUCKET/PREFIX`. */
  location: string;
  newest?: { url: string; takenAt: string; ageSeconds: number };
  /** Why the bucket could not be listed. */
  error?: string;
  problems: string[];
}

/** The bucket's status, or undefined when no upload is configured. */
export async function remoteBackupStatus(
  host: HostRoot,
  env: Record<string, string | undefined>,
  now: Date,
  periodSeconds?: number,
): Promise<RemoteBackupStatus | undefined> {
  const remote = readOffsite(host).remote;
  if (!remote) return undefined;
  const location = remote.url;
  try {
    const client = openRemote(remote, env, { retries: 1, connectTimeoutMs: 5000, idleTimeoutMs: 15_000 });
    try {
      const found = (await listRemoteSnapshots(client, parseSnapshotName)).find((s) =>
        s.recordKey !== undefined
      );
      if (!found) return { location, problems: [`no etcdup snapshot with its record in ${location}`] };
      const ageSeconds = Math.round((now.getTime() - found.info.time.getTime()) / 1000);
      const newest = { url: client.url(found.key), takenAt: found.info.time.toISOString(), ageSeconds };
      const stale = periodSeconds !== undefined && ageSeconds > 2 * periodSeconds;
      return {
        location,
        newest,
        problems: stale
          ? [
            `the newest remote snapshot ${newest.url} is ${
              Math.round(ageSeconds / 60)
            } minutes old, more than two periods (${
              Math.round(periodSeconds! / 60)
            } minutes) of the backup timer`,
          ]
          : [],
      };
    } finally {
      await client.close();
    }
  } catch (err) {
    const e = err instanceof EtcdupError ? `${err.code}: ${err.message}` : String(err);
    return { location, error: e, problems: [`cannot list the remote backups in ${location}: ${e}`] };
  }
}
