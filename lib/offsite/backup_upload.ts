/**
 * The off-host half of `etcdup backup --upload`: the snapshot being taken (and kept locally whatever
 * happens here) goes to the bucket with its record once kept, then the bucket gets the same retention as the
 * backup directory, over etcdup's own snapshot objects under the prefix only. In a cluster only the leader
 * uploads, so the bucket receives one snapshot per period, not one per member; followers keep theirs local.
 */
import type { Output } from "../output.ts";
import { ClusterApi } from "../cluster/api.ts";
import { adminClient } from "../etcd/admin_client.ts";
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import { parseSnapshotName } from "../backup/names.ts";
import { retain, type RetentionPolicy } from "../backup/retention.ts";
import type { SnapshotRecord } from "../backup/store.ts";
import { openRemote, type RemoteSettings } from "./remote.ts";
import { deleteRemoteSnapshots, listRemoteSnapshots } from "./remote_snapshots.ts";
import type { S3Client, UploadResult } from "./s3.ts";
import { shipSnapshot } from "./ship.ts";

/** What the upload did. */
export interface UploadOutcome {
  /** Why nothing was uploaded: this member follows, and the leader named in it uploads. */
  skipped?: string;
  /** The leader's member name when this member follows (it does the upload). */
  leader?: string;
  uploaded?: UploadResult;
  /** Keys remote retention deleted. */
  remotePruned: string[];
}

/** How long a member that knows no leader (an election running) is asked again before the upload fails. */
const LEADER_WAIT_MS = 5_000;

/**
 * Whether this member leads its cluster now (a single member always does) and, when it follows, the
 * leader's name. A member that knows no leader within {@link LEADER_WAIT_MS}, or cannot be asked, is
 * `upload-leader-unknown` (exit 4): uploading anyway could put one snapshot per member in the bucket (every
 * member cut off from the leader would), skipping quietly could leave the period with none; failing makes
 * the run visibly failed (the timer's unit, `status`) while the snapshot stays local.
 */
async function leadership(host: HostRoot, state: InstallState): Promise<{ leads: boolean; leader: string }> {
  const api = new ClusterApi(adminClient(host, state));
  const deadline = Date.now() + LEADER_WAIT_MS;
  try {
    for (;;) {
      let why: string;
      try {
        const s = await api.status(api.endpoints[0]);
        if (s.leader !== "0") {
          if (s.leader === s.memberId) return { leads: true, leader: state.name };
          const members = (await api.memberList(false)).members;
          return { leads: false, leader: members.find((m) => m.id === s.leader)?.name || `ID ${s.leader}` };
        }
        why = `${api.endpoints[0]} knows no leader (quorum lost or an election running)`;
      } catch (err) {
        why = (err as Error).message;
      }
      if (Date.now() >= deadline) {
        throw new EtcdupError({
          code: "upload-leader-unknown",
          message:
            `not uploading: cannot tell whether ${state.name} leads its cluster (only the leader uploads): ${why}`,
          hint:
            "Check the cluster with 'etcdup status'; once the member sees a leader the next backup uploads (on the leader).",
          exit: Exit.health,
        });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await api.close();
  }
}

/** `err`, when it is an {@link EtcdupError}, saying that the local snapshot `file` is kept. */
function keptLocally(err: unknown, file: string): unknown {
  if (!(err instanceof EtcdupError)) return err;
  return new EtcdupError({
    code: err.code,
    message: `${err.message} (the local snapshot ${file} is kept)`,
    hint: err.hint,
    exit: err.exit,
    cause: err,
  });
}

/** An upload begun beside a backup ({@link beginUpload}). */
export interface BackupUpload {
  /**
   * After the backup: the snapshot at real path `file` and `record` to the bucket, then the bucket pruned by
   * `policy`. Failures are {@link EtcdupError}s whose message says the local snapshot is kept.
   */
  finish(snapshot: { file: string; record: SnapshotRecord }, policy: RetentionPolicy): Promise<UploadOutcome>;
  /** After a failed backup: the leader check ended, the client closed. */
  abandon(): Promise<void>;
}

/**
 * Begins the upload of the backup about to be taken: the client opened and the leader check run while the
 * snapshot is taken (so its round trips are off the backup's critical path); the snapshot goes up once kept.
 */
export function beginUpload(
  host: HostRoot,
  state: InstallState,
  remote: RemoteSettings,
  env: Record<string, string | undefined>,
  out: Output,
): BackupUpload {
  let client: S3Client;
  try {
    client = openRemote(remote, env);
  } catch (err) {
    // Credentials that cannot be used fail the upload, after the backup: the local snapshot is still taken.
    return {
      finish: (snapshot) => Promise.reject(keptLocally(err, snapshot.file)),
      abandon: () => Promise.resolve(),
    };
  }
  const leads = leadership(host, state);
  leads.catch(() => {}); // reported by finish
  return {
    async finish(snapshot, policy) {
      try {
        const { leads: leading, leader } = await leads;
        if (!leading) {
          const skipped = `left to the leader ${leader}: ${state.name} follows`;
          out.info(`not uploading: ${skipped} (the leader uploads; this snapshot stays local)`);
          return { skipped, leader, remotePruned: [] };
        }
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
        throw keptLocally(err, snapshot.file);
      } finally {
        await client.close();
      }
    },
    async abandon() {
      await leads.catch(() => {});
      await client.close();
    },
  };
}
