/**
 * The cluster steps of `etcdup join` as data: what lib/cluster/join_plan.ts plans, `join --dry-run` prints
 * (lib/cluster/join_view.ts) and the run carries out and reports (lib/cluster/join_execute.ts). Each step
 * holds, beside its words, what carrying it out needs, so the run executes the plan it would print and
 * nothing it decides again. Plain data, no host: model, below the executor (host) and the planner (flows).
 */

/** What this node asks of the cluster. */
export interface JoinRequest {
  name: string;
  peerUrls: string[];
  learner: boolean;
  /** `--replace NAME`. */
  replace?: string;
  dataDir: string;
  unit: string;
  /** The initial cluster an earlier join recorded, if any. */
  previousInitialCluster?: string;
}

/** A step's words: what it does, what it asks the existing member (etcd's API call) when it asks anything, why. */
interface StepWords {
  action: string;
  asks?: string;
  reason: string;
}

/**
 * One step of the cluster part of a join. A member list that was not read (a dry run on a fresh host) leaves
 * out what only the list tells: the member to remove, the initial cluster's value.
 */
export type JoinClusterStep =
  & StepWords
  & (
    /** Remove the dead member (`--replace`), asking `via` in order (the members that answer first). */
    | { kind: "remove-member"; member?: { id: string; name: string }; via: string[] }
    /** Stop `unit` if it runs and move `dataDir` (a former member's data) aside. */
    | { kind: "move-aside"; dataDir: string; unit: string }
    /** Add this node with `peerUrls`, as a learner when `learner`. */
    | { kind: "add-member"; peerUrls: string[]; learner: boolean }
    /** The `ETCD_INITIAL_CLUSTER` etcd's configuration gets (state `existing`), when it changes. */
    | { kind: "initial-cluster"; value?: string }
    /** Promote the learner once etcd here is healthy: `memberId`, or the member the add-member step adds. */
    | { kind: "promote"; memberId?: string }
  );

/** The cluster part of a join, planned. */
export interface JoinClusterPlan {
  endpoints: string[];
  /** Whether the member list was read, and if not why. */
  memberList:
    | { read: true; members: { id: string; name: string; peerUrls: string[]; learner: boolean }[] }
    | {
      read: false;
      why: string;
    };
  steps: JoinClusterStep[];
  /** What is not done, and why (an earlier join's member found, nothing to promote...). */
  notes: string[];
}
