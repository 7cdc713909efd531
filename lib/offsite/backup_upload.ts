/**
 * The off-host half of `etcdup backup --upload`: the snapshot just taken (and kept locally whatever
 * happens here) goes to the bucket with its record, then the bucket gets the same retention as the backup
 * directory, over etcdup's own snapshot objects under the prefix only. In a cluster only the leader
 * uploads, so the bucket receives one snapshot per period, not one per member; followers keep theirs local.
 */
import type { Output } from "../output.ts";
import { ClusterApi } from "../cluster/api.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { EtcdupError } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../host/state.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { retain, type RetentionPolicy } from "../backup/retention.ts";
import type { SnapshotRecord } from "../backup/store.ts";
import { openRemote, type RemoteSettings } from "./remote.ts";
import { deleteRemoteSnapshots, listRemoteSnapshots } from "./remote_snapshots.ts";
import type { UploadResult } from "./s3.ts";
import { shipSnapshot } from "./ship.ts";

/** What the upload did. */
export interface UploadOutcome {
  /** Why nothing was uploaded (a follower). */
  skipped?: string;
  uploaded?: UploadResult;
  /** Keys remote retention deleted. */
  remotePruned: string[];
}

/** Whether this member leads its cluster now (a single member always does). */
async function isLeader(host: HostRoot, state: InstallState): Promise<boolean> {
  const api = new ClusterApi(adminClient(host, state));
  try {
    const s = await api.status(api.endpoints[0]);
    return s.leader !== "0" && s.leader === s.memberId;
  } finally {
    await api.close();
  }
}

/**
 * Uploads the local snapshot at real path `file` with `record`, then prunes the bucket by `policy`.
 * Failures are {@link EtcdupError}s whose message says the local snapshot is kept.
 */
export async function uploadBackup(
  host: HostRoot,
  state: InstallState,
  remote: RemoteSettings,
  env: Record<string, string | undefined>,
  snapshot: { file: string; record: SnapshotRecord },
  policy: RetentionPolicy,
  out: Output,
): Promise<UploadOutcome> {
  if (!(await isLeader(host, state))) {
    out.info(
      `not uploading: ${state.name} is not the cluster's leader (the leader uploads; this snapshot stays local)`,
    );
    return { skipped: "not the leader", remotePruned: [] };
  }
  const client = openRemote(remote, env);
  try {
    const uploaded = await shipSnapshot(client, snapshot.file, snapshot.record);
    out.step(
      `uploaded ${uploaded.url} (${uploaded.size} bytes, ${uploaded.parts} part(s), verified by ${uploaded.verified})`,
    );
    const stored = (await listRemoteSnapshots(client, parseSnapshotName)).map((s) => ({
      ...s,
      time: s.info.time,
    }));
    const { prune } = retain(stored, policy);
    const gone = prune.filter((s) => s.key !== uploaded.key);
    await deleteRemoteSnapshots(client, gone);
    if (gone.length > 0) out.step(`remote retention removed ${gone.length} older snapshot(s)`);
    return { uploaded, remotePruned: gone.map((s) => s.key) };
  } catch (err) {
    if (!(err instanceof EtcdupError)) throw err;
    throw new EtcdupError({
      code: err.code,
      message: `${err.message} (the local snapshot ${snapshot.file} is kept)`,
      hint: err.hint,
      exit: err.exit,
      cause: err,
    });
  } finally {
    await client.close();
  }
}
