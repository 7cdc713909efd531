/**
 * The marker of a restore in progress, /var/lib/etcdup/restore.json: the names a restore chose when it
 * began (aside, staging, cluster token), so a kill at any instant and a second run finish it with them.
 * Read by the observe step (lib/observe/restore.ts), written by the restore (lib/backup/restore.ts).
 */
import type { HostRoot } from "../host/fs.ts";
import { readRecord } from "../host/state.ts";
import { STATE_DIR } from "../state_record.ts";

/** Where a restore in progress records itself (target path). */
export const RESTORE_MARKER = `${STATE_DIR}/restore.json`;

/** The marker of a restore in progress. */
export interface RestoreMarker {
  schema: 1;
  /** Real path of the snapshot file. */
  file: string;
  sha256: string;
  /** The revision `snapshot status` read. */
  revision: number;
  /** The new cluster's token. */
  clusterToken: string;
  /** Where the old data dir goes (target path). */
  aside: string;
  /** Where the new data dir is built (target path). */
  staging: string;
  /** Whether there was a data dir to move aside when the restore began. */
  hadDataDir: boolean;
  startedAt: string;
}

/** Reads the marker of a restore in progress, if any (an unreadable one stops the restore: exit 7). */
export function readMarker(host: HostRoot): RestoreMarker | undefined {
  return readRecord<RestoreMarker>(
    host,
    RESTORE_MARKER,
    "record of an unfinished restore",
    (d) => d.schema === 1 && typeof d.file === "string" && typeof d.aside === "string",
  );
}
