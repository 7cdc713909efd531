/**
 * Joining a running cluster: the two steps `etcdup join` adds to install's sequence. Before etcd's
 * configuration is rendered, {@link settleMembership} finds this node in the member list by its peer URLs or
 * adds it, and yields the `ETCD_INITIAL_CLUSTER` an existing cluster expects; once etcd is healthy,
 * {@link finishJoin} promotes the learner. Both are safe to repeat, which is what makes a killed join
 * re-runnable: the member it added is recognised, a started member's data dir is never touched, and a
 * finished join changes nothing.
 */
import type { Output } from "../output.ts";
import { EtcdupError, Exit } from "../errors.ts";
import { ClusterApi, type Member } from "./api.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import { ensureMember, existingClusterMembers, promoteWhenReady } from "./membership.ts";
import { formatInitialCluster } from "../plan/cluster.ts";
import { normalizeUrl } from "./urls.ts";

/**
 * The client URLs of running members given to `etcdup join`, normalised; usage errors name the bad one.
 * @example parseJoinEndpoints(["https://10.0.0.1:2379/"]) // ["https://10.0.0.1:2379"]
 */
export function parseJoinEndpoints(positionals: readonly string[]): string[] {
  return [...new Set(positionals.map((p) => normalizeUrl(p, "ENDPOINT")))];
}

/** What {@link settleMembership} needs. */
export interface SettleOptions {
  /** The admin client of the cluster's CA, with the endpoints given to join. */
  client: TlsClient;
  /** This member's name and advertised peer URLs. */
  name: string;
  peerUrls: string[];
  /** Add as a learner (default) or as a voter (`--no-learner`). */
  learner: boolean;
  /** Whether the data dir already holds a member (`<data dir>/member`). */
  dataDirHasMember: boolean;
  /** `ETCD_INITIAL_CLUSTER` recorded by an earlier run, reused for a started member so a re-run changes nothing. */
  previousInitialCluster?: string;
  timeoutMs: number;
  out: Output;
}

/** Where this member stands after {@link settleMembership}. */
export interface Settled {
  /** Member ID (decimal string). */
  id: string;
  isLearner: boolean;
  /** The value for `ETCD_INITIAL_CLUSTER` (with `ETCD_INITIAL_CLUSTER_STATE=existing`). */
  initialCluster: string;
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
  opts: Pick<SettleOptions, "name" | "dataDirHasMember" | "previousInitialCluster">,
): string {
  const started = self.name !== "" && opts.dataDirHasMember;
  return started && opts.previousInitialCluster
    ? opts.previousInitialCluster
    : formatInitialCluster(existingClusterMembers(members, self.id, opts.name));
}

/**
 * Finds this member in the cluster or adds it, and renders the initial cluster for its first start. Refuses
 * to add a member whose data dir already holds one (left by a former membership: etcd would not start from
 * it, and deleting it is the operator's call).
 */
export async function settleMembership(opts: SettleOptions): Promise<Settled> {
  const api = new ClusterApi(opts.client);
  try {
    const { self, members, added } = await ensureMember(api, opts.peerUrls, opts.learner, {
      timeoutMs: opts.timeoutMs,
      onWait: (reason) => opts.out.info(`the cluster refused the new member for now (${reason}); retrying`),
      beforeAdd: () => {
        if (opts.dataDirHasMember) throw staleDataDir(api.endpoints, opts.peerUrls);
      },
    });
    const role = self.isLearner ? "learner" : "voting member";
    opts.out.step(
      added
        ? `added ${opts.name} to the cluster as a ${role} (member ${self.id})`
        : `${opts.name} is already in the cluster as a ${role} (member ${self.id}); resuming`,
    );
    return {
      id: self.id,
      isLearner: self.isLearner,
      initialCluster: joinInitialCluster(members, self, opts),
    };
  } finally {
    await api.close();
  }
}

/** Promotes the member to a voter when it is a learner (retrying until it has caught up). */
export async function finishJoin(
  client: TlsClient,
  member: Settled,
  opts: { timeoutMs: number; out: Output },
): Promise<void> {
  if (!member.isLearner) return;
  const api = new ClusterApi(client);
  try {
    opts.out.step(`promoting member ${member.id} to a voting member once it has caught up`);
    await promoteWhenReady(api, member.id, { timeoutMs: opts.timeoutMs });
    opts.out.step(`member ${member.id} is a voting member`);
  } finally {
    await api.close();
  }
}
