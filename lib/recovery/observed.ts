/**
 * What `etcdup recover` decides from (lib/recovery/plan.ts), as lib/observe/recover.ts reads it: plain data,
 * declared beside the plan in the lowest layer the types it names allow (host: the member list's `Member` is
 * the etcd client's type). Also the shape and path of the recovery record, which the observation reads and
 * lib/recovery/record.ts writes.
 */
import type { Member } from "../cluster/api.ts";
import type { Probe } from "../cluster/liveness.ts";
import type { OwnedFile } from "../files.ts";
import type { InstallState } from "../state_record.ts";

/** Where the record of a recovery in progress lives (target path). */
export const RECOVERY_FILE = "/var/lib/etcdup/recovery.json";

/** A recovery in progress. */
export interface RecoveryRecord {
  schema: 1;
  /** ISO time the recovery started. */
  startedAt: string;
  /** This member's ID (decimal string). */
  memberId: string;
  /** The members the forced start drops, as the member list showed them before. */
  removed: Member[];
}

/** Everything a recovery decides from, read up front. Plain data. */
export interface RecoverObserved {
  /** The state record of this member's install. */
  state: InstallState;
  /** The member list, read from this member's peer URL. */
  members: Member[];
  /** This member in it (found by its peer URLs), undefined when the list does not name it. */
  self: Member | undefined;
  /** What asking each member over mutual TLS found, by ID (this member counted as running). */
  probes: Record<string, Probe>;
  /** The record of a recovery in progress (a killed run's), if any. */
  record: RecoveryRecord | undefined;
  /** Which of the two --force-new-cluster files are on the host (a killed run's). */
  force: { dropIn: boolean; flag: boolean };
  /** The env file as it is now, to tell whether the operator edited it since etcdup wrote it. */
  envFile: OwnedFile | undefined;
}
