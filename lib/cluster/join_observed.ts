/**
 * What `join` and its dry run decide their cluster steps from (lib/cluster/join_plan.ts), as
 * lib/observe/join.ts reads it: plain data, declared beside the plan in the lowest layer the types it names
 * allow (host: the member list's `Member` is the etcd client's type).
 */
import type { Member } from "./api.ts";
import type { Probe } from "./liveness.ts";

/** The cluster as this host can see it before joining. */
export type SeenCluster =
  /** The member list (read from the endpoints) and, for `--replace`, each member's probe. */
  | { kind: "read"; members: Member[]; probes: Record<string, Probe> }
  /** Not read, and why: no client certificate yet, or no endpoint answered (a dry run's only). */
  | { kind: "unread"; why: string };

/** Everything the cluster step of a join decides from. Plain data. */
export interface JoinObserved {
  /** The endpoints given to join, normalized. */
  endpoints: string[];
  /** The admin client certificate this host would ask with (target path), and whether it, its key and the CA are there. */
  clientCert: { path: string; present: boolean };
  cluster: SeenCluster;
  /** Whether the data dir already holds a member (`<data dir>/member`). */
  dataDirHasMember: boolean;
}
