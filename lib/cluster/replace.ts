/**
 * `join --replace NAME`: the step before a join settles its membership. It finds the member named NAME,
 * checks that it is dead (it does not answer) and that the members that answer keep a quorum
 * (lib/cluster/quorum.ts), removes it, and says whether this host's data dir is now stale (its member is no
 * longer in the cluster), so the join moves it aside. Every step is safe to repeat: a NAME the cluster no
 * longer lists (removed by `recover` or an interrupted run) leaves only the join, and a NAME that is this
 * host, running, is a finished replacement being re-run.
 */
import type { Output } from "../output.ts";
import { EtcdupError, Exit } from "../errors.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import { ClusterApi, type Member } from "./api.ts";
import { type Probe, probeMembers } from "./liveness.ts";
import { findMemberByPeerUrls, removeMember } from "./membership.ts";
import { decideReplace, memberLabel } from "./quorum.ts";

/** What {@link replaceMember} needs. */
export interface ReplaceOptions {
  /** The admin client of the cluster's CA, with the endpoints given to join. */
  client: TlsClient;
  /** The name of the dead member. */
  name: string;
  /** This node's advertised peer URLs. */
  peerUrls: string[];
  /** The join adds this node as a learner (default) rather than a voter. */
  learner: boolean;
  timeoutMs: number;
  out: Output;
}

/** What {@link replaceMember} did. */
export interface Replaced {
  /** The member removed now, if any. */
  removed?: Member;
  /** A member with this node's peer URLs is still in the cluster (an earlier join of this host). */
  stillMember: boolean;
}

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
 * `replace-loses-quorum`). `join --dry-run` prints it; {@link replaceMember} carries it out.
 */
export function decideReplacement(
  members: readonly Member[],
  probes: Readonly<Record<string, Probe>>,
  opts: Pick<ReplaceOptions, "name" | "peerUrls" | "learner">,
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

/**
 * Removes the dead member `name` when the quorum arithmetic allows it ({@link decideReplacement}), or throws
 * its refusal. The member list is read serializably, so a cluster that lost quorum gets the arithmetic
 * rather than a timeout.
 */
export async function replaceMember(opts: ReplaceOptions): Promise<Replaced> {
  const api = new ClusterApi(opts.client);
  try {
    const { members } = await api.memberList(false);
    const probes = await probeMembers(api, members);
    const r = decideReplacement(members, probes, opts);
    if (r.kind === "resume") {
      opts.out.step(`${opts.name} is this host, running (member ${r.target.id}): already replaced; resuming`);
      return { stillMember: true };
    }
    if (r.kind === "absent") {
      opts.out.step(
        `the cluster lists no member named ${opts.name} (dropped by 'etcdup recover' or an earlier run): joining under that name`,
      );
      return { stillMember: r.stillMember };
    }
    const { target } = r;
    opts.out.info(`${memberLabel(target)} does not answer (${probes[target.id].error}); ${r.summary}`);
    const endpoints = members.filter((m) => m.id !== target.id && probes[m.id].reachable)
      .flatMap((m) => m.clientUrls);
    await removeMember(api, target, [...endpoints, ...api.endpoints], { timeoutMs: opts.timeoutMs });
    opts.out.step(`removed the dead member ${memberLabel(target)} (${target.id}) from the cluster`);
    return { removed: target, stillMember: r.stillMember };
  } finally {
    await api.close();
  }
}
