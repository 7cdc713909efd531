/**
 * The quorum arithmetic of disaster recovery, pure: whether `etcdup recover` may force a new one-member
 * cluster (only when a majority of the voting members is gone), whether `join --replace NAME` may remove a
 * dead member (only when the members that answer keep a quorum after the removal and after the new member's
 * addition), and the commands `recover` prints for the members it dropped. The probes are gathered by
 * lib/cluster/liveness.ts; nothing here talks to etcd.
 */
import type { Member } from "./api.ts";
import type { Probe } from "./liveness.ts";
import { shellWord } from "../text.ts";
import type { CodeWithExit, Exit } from "../errors.ts";

/**
 * The number of voting members a cluster of `voters` needs to agree: a strict majority.
 * @example quorumOf(3) // 2
 */
export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** A member as messages name it: its name, or its ID when it never started. */
export function memberLabel(m: Member): string {
  return m.name || `(unstarted member ${m.id})`;
}

/** What `etcdup recover` decided. */
export type RecoverDecision =
  /** Quorum is lost: force a new cluster of `self`, dropping `removed`. */
  | { kind: "recover"; self: Member; removed: Member[] }
  /** Refused (exit 7): `code` and the reason. */
  | { kind: "refuse"; code: CodeWithExit<typeof Exit.precondition>; message: string; hint: string };

/**
 * Decides `etcdup recover`: refused while any member follows a leader or enough voting members answer to
 * form a quorum, and on a learner (its data may be behind); otherwise every other member is dropped (listed
 * by name).
 * @example decideRecover(list, self.id, probes) // { kind: "refuse", code: "cluster-has-quorum", ... }
 */
export function decideRecover(
  members: readonly Member[],
  selfId: string,
  probes: Readonly<Record<string, Probe>>,
): RecoverDecision {
  const self = members.find((m) => m.id === selfId);
  if (!self) {
    return {
      kind: "refuse",
      code: "recover-not-a-member",
      message: `this member (${selfId}) is not in its own member list`,
      hint:
        "The data dir does not belong to the cluster it lists; restore a snapshot instead ('etcdup restore').",
    };
  }
  if (self.isLearner) {
    return {
      kind: "refuse",
      code: "recover-learner",
      message: `this member (${memberLabel(self)}) is a learner: its data may lag behind the cluster's`,
      hint:
        "Run 'etcdup recover' on a voting member that survived, or restore a snapshot ('etcdup restore').",
    };
  }
  const voters = members.filter((m) => !m.isLearner);
  const quorum = quorumOf(voters.length);
  const answering = voters.filter((m) => probes[m.id]?.reachable);
  const led = members.find((m) => (probes[m.id]?.leader ?? "0") !== "0");
  const count = `${answering.length} of ${voters.length} voting members answer (${
    answering.map(memberLabel).join(", ")
  }), a quorum is ${quorum}`;
  if (led) {
    const leader = members.find((m) => m.id === probes[led.id].leader);
    return {
      kind: "refuse",
      code: "cluster-has-quorum",
      message: `the cluster still has quorum: ${memberLabel(led)} follows the leader ${
        leader ? memberLabel(leader) : probes[led.id].leader
      }; ${count}`,
      hint: voters.length === 1
        ? "This is a healthy one-member cluster: there is nothing to recover."
        : "recover is for a cluster that lost a majority of its members for good. Replace a dead member " +
          "with 'etcdup join --replace NAME ENDPOINT' on a new host instead.",
    };
  }
  if (answering.length >= quorum) {
    return {
      kind: "refuse",
      code: "cluster-has-quorum",
      message: `the cluster still has quorum: ${count}, although no leader is known yet`,
      hint: "Wait for the members to elect a leader ('etcdup status'); recover only when a majority is gone.",
    };
  }
  const removed = members.filter((m) => m.id !== selfId).sort((a, b) => a.name.localeCompare(b.name));
  return { kind: "recover", self, removed };
}

/** What `join --replace NAME` found in the member list. */
export interface ReplaceInput {
  members: readonly Member[];
  /** The member named NAME, if the cluster still lists one. */
  target: Member | undefined;
  /** Probes of every member but the target's former self, by ID (the target's own probe included). */
  probes: Readonly<Record<string, Probe>>;
  /** The new member is added as a learner (promoted once caught up) rather than as a voter. */
  learner: boolean;
}

/** What `join --replace` decided. */
export type ReplaceDecision =
  /** Remove `target` (when given), then join. */
  | { kind: "replace"; target: Member | undefined; summary: string }
  | { kind: "refuse"; code: CodeWithExit<typeof Exit.precondition>; message: string; hint: string };

/**
 * Decides `join --replace NAME`: refused for a live target (it answers), for the last member, and when the
 * members that answer are not a quorum: of the voters now (etcd commits the removal and the addition only
 * with one), or after the removal and the new member's addition (a learner does not vote until promoted,
 * once caught up; a voter added with --no-learner counts at once, before it runs). A target the cluster no longer lists (dropped by `recover`, or removed by an earlier,
 * interrupted run) leaves only the addition to check.
 * @example decideReplace({ members, target, probes, learner: true }).kind // "replace"
 */
export function decideReplace(input: ReplaceInput): ReplaceDecision {
  const { members, target, probes, learner } = input;
  if (target && probes[target.id]?.reachable) {
    return {
      kind: "refuse",
      code: "replace-live-member",
      message: `member ${memberLabel(target)} answers at ${
        target.clientUrls.join(", ")
      }: it is alive, and --replace is for a member that is dead for good`,
      hint:
        `To move ${target.name} to this host, run 'etcdup uninstall' on it first (it leaves the cluster), then 'etcdup join' here.`,
    };
  }
  const remaining = members.filter((m) => m.id !== target?.id);
  if (target && remaining.length === 0) {
    return {
      kind: "refuse",
      code: "replace-last-member",
      message: `member ${
        memberLabel(target)
      } is the last member of the cluster: removing it leaves no cluster`,
      hint:
        "Bring it back from a snapshot with 'etcdup restore FILE' (on a new host: install, then restore).",
    };
  }
  const voters = members.filter((m) => !m.isLearner);
  const answering = voters.filter((m) => m.id !== target?.id && probes[m.id]?.reachable).length;
  const now = quorumOf(voters.length);
  const left = remaining.filter((m) => !m.isLearner).length;
  const afterAdd = learner ? quorumOf(left) : quorumOf(left + 1);
  const parts = [
    `${voters.length} voting member(s), ${answering} answering (a change needs a quorum of ${now})`,
    ...(target ? [`removing ${memberLabel(target)} leaves ${left} (a quorum of ${quorumOf(left)})`] : []),
    learner
      ? "the new member joins as a learner and votes only once caught up"
      : `the new member added as a voter makes ${left + 1} (a quorum of ${afterAdd}) before it runs`,
  ];
  const summary = parts.join("; ");
  if (answering < now || answering < afterAdd) {
    return {
      kind: "refuse",
      code: "replace-loses-quorum",
      message: `replacing would need a quorum the cluster does not have: ${summary}`,
      hint: answering < now
        ? "A majority of the members is gone: run 'etcdup recover' on a surviving member first; it prints the " +
          "join --replace commands to run next."
        : "Join as a learner (drop --no-learner), so the new member votes only once it has caught up.",
    };
  }
  return { kind: "replace", target, summary };
}

/** Where `recover`'s printed commands put the CA export (the operator copies it to each new host). */
export const CA_EXPORT_FILE = "/root/etcd-ca.export";

/**
 * The commands that bring the members `recover` dropped back under their names: export the CA here, then on
 * each new host `etcdup join --replace NAME ENDPOINT --ca-from FILE` (the member name defaults to NAME).
 * Members without a name (never started, or their name never reached this member) are left out.
 * @example replaceCommands([n2], "https://10.0.0.1:2379")[1] // "etcdup join --replace n2 https://10.0.0.1:2379 --ca-from /root/etcd-ca.export"
 */
export function replaceCommands(removed: readonly Member[], endpoint: string): string[] {
  const named = removed.filter((m) => m.name !== "");
  if (named.length === 0) return [];
  return [
    `etcdup certs export --out ${CA_EXPORT_FILE}`,
    ...named.map((m) =>
      ["etcdup", "join", "--replace", m.name, endpoint, "--ca-from", CA_EXPORT_FILE].map(shellWord).join(" ")
    ),
  ];
}
