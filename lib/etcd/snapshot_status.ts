/**
 * What etcd's `snapshot status -w json` reports about a snapshot file: a type of its own, below the
 * commands, so the backup directory's records (lib/backup/store.ts, read by the observe step) and the
 * snapshot steps (lib/daytwo/snapshot.ts) share it.
 */

/** What `snapshot status -w json` reports about a snapshot file. */
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}
