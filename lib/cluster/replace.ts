/**
 * `join --replace NAME`, decided: the member named NAME is removed only when it is dead (it does not answer)
 * and the members that answer keep a quorum (lib/cluster/quorum.ts), and whether this host's data dir is
 * then stale (its member is no longer in the cluster), so the join moves it aside. The join plan
 * (lib/cluster/join_plan.ts) makes its steps of it. Safe to repeat: a NAME the cluster no longer lists
 * (removed by `recover` or an interrupted run) leaves only the join, and a NAME that is this host, running,
 * is a finished replacement being re-run.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { Member } from "./api.ts";
import type { Probe } from "./liveness.ts";
import { findMemberByPeerUrls } from "./membership.ts";
import { decideReplace } from "./quorum.ts";

/** What `join --replace NAME` does about the member list it read. */
export type Replacement =
  /** NAME is this host, running: a finished replacement being re-run. */
  | { kind: "resume"; target: Member }
  /** The cluster lists no NAME (dropped by `recover` or an earlier run): only the join. */
  | { kind: "absent"; stillMember: boolean }
  /** Remove the dead `target` (`summary`: the quorum arithmetic); `stillMember`: this host's member stays. */
  | { kind: "remove"; target: Member; summary: string; stillMember: boolean };

/**
 * Decides `join --replace name` from the member list and the probes, pure: resumed, only joined, the dead
 * member removed, or refused (an EtcdupError, exit 7: `replace-live-member`, `replace-last-member`,
 * `replace-loses-quorum`). The join plan (lib/cluster/join_plan.ts) turns it into its steps.
 */
export function decideReplacement(
  members: readonly Member[],
  probes: Readonly<Record<string, Probe>>,
  opts: { name: string; peerUrls: readonly string[]; learner: boolean },
): Replacement {
  const target = members.find((m) => m.name === opts.name);
  const mine = findMemberByPeerUrls(members, opts.peerUrls);
  if (target && target.id === mine?.id && probes[target.id].reachable) return { kind: "resume", target };
  const decision = decideReplace({ members, target, probes, learner: opts.learner });
  if (decision.kind === "refuse") throw new EtcdupError({ ...decision, exit: Exit.precondition });
  if (!target) return { kind: "absent", stillMember: mine !== undefined };
  return {
    kind: "remove",
    target,
    summary: decision.summary,
    stillMember: mine !== undefined && mine.id !== target.id,
  };
}
