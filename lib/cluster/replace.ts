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
import { probeMembers } from "./liveness.ts";
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

/**
 * Removes the dead member `name` when the quorum arithmetic allows it, or throws an EtcdupError (exit 7):
 * `replace-live-member`, `replace-last-member`, `replace-loses-quorum`. The member list is read
 * serializably, so a cluster that lost quorum gets the arithmetic rather than a timeout.
 */
export async function replaceMember(opts: ReplaceOptions): Promise<Replaced> {
  const api = new ClusterApi(opts.client);
  try {
    const { members } = await api.memberList(false);
    const target = members.find((m) => m.name === opts.name);
    const mine = findMemberByPeerUrls(members, opts.peerUrls);
    const probes = await probeMembers(api, members);
    if (target && target.id === mine?.id && probes[target.id].reachable) {
      opts.out.step(`${opts.name} is this host, running (member ${target.id}): already replaced; resuming`);
      return { stillMember: true };
    }
    const decision = decideReplace({ members, target, probes, learner: opts.learner });
    if (decision.kind === "refuse") {
      throw new EtcdupError({ ...decision, exit: Exit.precondition });
    }
    if (!target) {
      opts.out.step(
        `the cluster lists no member named ${opts.name} (dropped by 'etcdup recover' or an earlier run): joining under that name`,
      );
      return { stillMember: mine !== undefined };
    }
    opts.out.info(`${memberLabel(target)} does not answer (${probes[target.id].error}); ${decision.summary}`);
    const endpoints = members.filter((m) => m.id !== target.id && probes[m.id].reachable)
      .flatMap((m) => m.clientUrls);
    await removeMember(api, target, [...endpoints, ...api.endpoints], { timeoutMs: opts.timeoutMs });
    opts.out.step(`removed the dead member ${memberLabel(target)} (${target.id}) from the cluster`);
    return { removed: target, stillMember: mine !== undefined && mine.id !== target.id };
  } finally {
    await api.close();
  }
}
