/**
 * Runtime reconfiguration with etcd's own member API: find this node in the member list by its peer URLs,
 * add it (as a learner by default; join's plan adds it only when it is not there yet), render the
 * `ETCD_INITIAL_CLUSTER` an existing cluster expects, promote once the learner has caught up, and remove a
 * member on the way out.
 * Every step is safe to repeat, so a join or uninstall killed at any point can simply be run again.
 */
import { EtcdupError, Exit } from "../errors.ts";

/** The codes of a member change etcd refused: their exit is etcd\'s reason\'s (health when not caught up). */
type MemberChangeCode = "member-add-failed" | "member-promote-failed" | "member-remove-failed";
import { type ClusterApi, EtcdApiError, type Member } from "./api.ts";
import type { ClusterMember } from "../plan/cluster.ts";
import { normalizeUrl } from "./urls.ts";

/**
 * The member whose peer URLs include any of `peerUrls` (compared normalised), or undefined.
 * @example findMemberByPeerUrls(list.members, ["https://10.0.0.4:2380"])?.id
 */
export function findMemberByPeerUrls(
  members: readonly Member[],
  peerUrls: readonly string[],
): Member | undefined {
  const mine = new Set(peerUrls.map((u) => normalizeUrl(u, "peer URL")));
  return members.find((m) => m.peerUrls.some((u) => mine.has(normalizeUrl(u, "peer URL"))));
}

/**
 * The member list as `ETCD_INITIAL_CLUSTER` for a member joining an existing cluster: every member with
 * each of its peer URLs (etcd checks the count and the URLs against the live cluster), this member under
 * `selfName`, other members not started yet (no name) under a `pending-<id>` placeholder.
 * Throws when another member already uses `selfName`.
 */
export function existingClusterMembers(
  members: readonly Member[],
  selfId: string,
  selfName: string,
): ClusterMember[] {
  const clash = members.find((m) => m.id !== selfId && m.name === selfName);
  if (clash) {
    throw new EtcdupError({
      code: "member-name-taken",
      message: `another member (${clash.peerUrls.join(",")}) is already named '${selfName}'`,
      hint: "Pick a unique --name for this node.",
      exit: Exit.usage,
    });
  }
  return members.flatMap((m) =>
    m.peerUrls.map((u) => {
      const peerUrl = normalizeUrl(u, "peer URL");
      const host = new URL(peerUrl).hostname.replace(/^\[(.*)\]$/, "$1");
      return { name: m.id === selfId ? selfName : m.name || `pending-${m.id}`, peerUrl, host };
    })
  );
}

/** How long to keep retrying a reconfiguration that etcd refuses for a passing reason. */
export interface RetryOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts; default 500 ms. */
  intervalMs?: number;
  /** Called on each refused attempt with etcd's reason (for progress output). */
  onWait?: (reason: string) => void;
}

/**
 * etcd's refusals that pass by themselves: a member connected less than 5 s ago ("unhealthy cluster"), a
 * learner still catching up, an election under way, a busy or timed-out request.
 */
const TRANSIENT =
  /unhealthy cluster|in sync with leader|not ready|leader changed|no leader|timed out|too many requests/;

/**
 * Runs `fn` until it succeeds, retrying while etcd answers with a {@link TRANSIENT} refusal; other answers
 * and the last refusal at the deadline become an EtcdupError naming `what`.
 */
async function retrying<T>(
  what: string,
  code: MemberChangeCode,
  opts: RetryOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  while (true) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof EtcdApiError) || !TRANSIENT.test(err.message) || Date.now() >= deadline) {
        throw memberApiError(code, what, err);
      }
      opts.onWait?.(err.message);
    }
    await new Promise((r) =>
      setTimeout(r, Math.min(opts.intervalMs ?? 500, Math.max(deadline - Date.now(), 0)))
    );
  }
}

/**
 * Adds a member with `peerUrls` (as a learner when `learner`), retrying while etcd refuses for a passing
 * reason; returns it (with its new ID) and the member list after the add. Whether it is there already is the
 * join plan's decision (lib/cluster/join_plan.ts), from the member list it read.
 */
export async function addMember(
  api: ClusterApi,
  peerUrls: string[],
  learner: boolean,
  opts: RetryOptions,
): Promise<{ member: Member; members: Member[] }> {
  return await retrying(
    `adding ${peerUrls.join(",")} to the cluster failed`,
    "member-add-failed",
    opts,
    () => api.memberAdd(peerUrls, learner),
  );
}

/**
 * Promotes learner `id` to a voting member, retrying while etcd says it is not yet in sync with the leader.
 * A member that is already a voter counts as done, so a re-run after a promotion is a no-op.
 */
export async function promoteWhenReady(api: ClusterApi, id: string, opts: RetryOptions): Promise<void> {
  await retrying(`promoting member ${id} failed`, "member-promote-failed", opts, async () => {
    try {
      await api.memberPromote(id);
    } catch (err) {
      if (err instanceof EtcdApiError && /can only promote a learner member$/.test(err.message)) return;
      throw err;
    }
  });
}

/**
 * Removes member `id`, asking `endpoints` in order (not the member going away), retrying while etcd refuses
 * for a passing reason; returns false when no member has that ID (already removed, e.g. on a re-run).
 */
export async function removeMember(
  api: ClusterApi,
  member: Pick<Member, "id" | "name">,
  endpoints: string[],
  opts: RetryOptions = { timeoutMs: 10_000 },
): Promise<boolean> {
  return await retrying(
    `removing member ${member.name || member.id} failed`,
    "member-remove-failed",
    opts,
    async () => {
      try {
        await api.memberRemove(member.id, endpoints);
        return true;
      } catch (err) {
        if (err instanceof EtcdApiError && /member not found/.test(err.message)) return false;
        throw err;
      }
    },
  );
}

/** What {@link removeSelf} did. */
export type RemoveOutcome =
  /** The member was removed from the cluster. */
  | { kind: "removed"; id: string; remaining: number }
  /** It is the only member: nothing to remove from. */
  | { kind: "last-member"; id: string }
  /** No member has these peer URLs (already removed, e.g. on a re-run). */
  | { kind: "not-a-member" };

/**
 * Removes the member with `peerUrls` from its cluster, asking the other members first (this node's own
 * endpoint may be the one going away), unless it is the last member. For `etcdup uninstall`.
 * @example
 * const api = new ClusterApi({ endpoints: state.clientUrls, caFile, certFile, keyFile });
 * try { const r = await removeSelf(api, state.peerUrls); } finally { await api.close(); }
 */
export async function removeSelf(
  api: ClusterApi,
  peerUrls: string[],
  opts: RetryOptions = { timeoutMs: 10_000 },
): Promise<RemoveOutcome> {
  const list = await api.memberList();
  const self = findMemberByPeerUrls(list.members, peerUrls);
  if (!self) return { kind: "not-a-member" };
  const others = list.members.filter((m) => m.id !== self.id);
  if (others.length === 0) return { kind: "last-member", id: self.id };
  const endpoints = [...others.flatMap((m) => m.clientUrls), ...api.endpoints];
  const removed = await removeMember(api, self, endpoints, opts);
  return removed ? { kind: "removed", id: self.id, remaining: others.length } : { kind: "not-a-member" };
}

/** Wraps an error answered by etcd into an EtcdupError that names the operation; passes others through. */
function memberApiError(code: MemberChangeCode, what: string, err: unknown): unknown {
  if (!(err instanceof EtcdApiError)) return err;
  const [hint, exit] = /in sync with leader/.test(err.message)
    ? [
      "The new member has not caught up with the leader yet: check the network between the members and " +
      "'journalctl -u etcd', then re-run the same command (it resumes) or raise --health-timeout.",
      Exit.health,
    ]
    : /not enough started members|unhealthy cluster/.test(err.message)
    ? [
      "etcd refuses a change while members are down or just (re)connected: bring them back and retry.",
      Exit.failure,
    ]
    : ["Check the members with 'etcdup status' and their journals.", Exit.failure];
  return new EtcdupError({
    code,
    message: `${what}: ${err.message} (answered by ${err.endpoint})`,
    hint,
    exit,
    cause: err,
  });
}
