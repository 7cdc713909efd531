/**
 * Joining a running cluster, the rules the join plan (lib/cluster/join_plan.ts) decides by: the endpoints
 * given, the refusal of a data dir left by another membership, and the `ETCD_INITIAL_CLUSTER` a joining
 * member starts with (a started member keeps the recorded one, so a re-run changes nothing). Pure.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { Member } from "./api.ts";
import { existingClusterMembers } from "./membership.ts";
import { formatInitialCluster } from "../plan/cluster.ts";
import { normalizeUrl } from "./urls.ts";

/**
 * The client URLs of running members given to `etcdup join`, normalised; usage errors name the bad one.
 * @example parseJoinEndpoints(["https://10.0.0.1:2379/"]) // ["https://10.0.0.1:2379"]
 */
export function parseJoinEndpoints(positionals: readonly string[]): string[] {
  return [...new Set(positionals.map((p) => normalizeUrl(p, "ENDPOINT")))];
}

/**
 * The refusal to add a member whose data dir already holds one (exit 7, `stale-data-dir`): no member of the
 * cluster at `endpoints` has its `peerUrls`.
 */
export function staleDataDir(endpoints: readonly string[], peerUrls: readonly string[]): EtcdupError {
  return new EtcdupError({
    code: "stale-data-dir",
    message: `the data dir already holds an etcd member, but no member of the cluster at ` +
      `${endpoints.join(", ")} has the peer URL ${peerUrls.join(",")}`,
    hint: "It is left from a former membership or another cluster. Move the data dir aside (etcdup never " +
      "deletes one) and run the join again.",
    exit: Exit.precondition,
  });
}

/**
 * `ETCD_INITIAL_CLUSTER` for member `self` (this node, named `name`) of `members`: the one recorded by an
 * earlier run for a member that already started (so a re-run changes nothing), else the live member list.
 * Refused (exit 2, `member-name-taken`) when another member has the name.
 */
export function joinInitialCluster(
  members: readonly Member[],
  self: Member,
  opts: { name: string; dataDirHasMember: boolean; previousInitialCluster?: string },
): string {
  const started = self.name !== "" && opts.dataDirHasMember;
  return started && opts.previousInitialCluster
    ? opts.previousInitialCluster
    : formatInitialCluster(existingClusterMembers(members, self.id, opts.name));
}
