/**
 * The cluster steps of `etcdup join`, planned from what this host sees (lib/cluster/join_observed.ts): with
 * `--replace NAME` the dead member removed (the quorum arithmetic of {@link decideReplacement}) and a former
 * member's data dir moved aside; this node added (as a learner unless `--no-learner`) unless an earlier join
 * added it; the `ETCD_INITIAL_CLUSTER` it starts with, when that changes; the learner promoted once caught
 * up. Each step says what it asks the existing member and why, and holds what carrying it out needs
 * (lib/cluster/join_steps.ts): `join --dry-run` prints this plan, the run carries out exactly it
 * (lib/cluster/join_execute.ts), and a re-run plans only what remains (a finished join: no step). With the
 * member list read, the refusals the run would meet are met here (exit 7: `replace-*`, `stale-data-dir`;
 * exit 2: `member-name-taken`); without it, the steps say what the run will decide. Pure.
 */
import type { Member } from "./api.ts";
import { joinInitialCluster, staleDataDir } from "./join.ts";
import type { JoinObserved, SeenCluster } from "./join_observed.ts";
import type { JoinClusterPlan, JoinClusterStep, JoinRequest } from "./join_steps.ts";
import { findMemberByPeerUrls } from "./membership.ts";
import { sameInitialCluster } from "../plan/cluster.ts";
import { memberLabel } from "./quorum.ts";
import { decideReplacement } from "./replace.ts";

/** The member list as read. */
type Read = Extract<SeenCluster, { kind: "read" }>;

/** The replacement's steps: the dead member removed, a former member's data dir moved aside. */
function replaceSteps(
  req: JoinRequest & { replace: string },
  seen: JoinObserved,
  read: Read | undefined,
): { steps: JoinClusterStep[]; notes: string[]; dataDirMoved: boolean; removed?: Member } {
  const at = seen.endpoints.join(", ");
  const moveAside: JoinClusterStep = {
    kind: "move-aside",
    dataDir: req.dataDir,
    unit: req.unit,
    action: `stop ${req.unit} if it runs; move ${req.dataDir} aside to ${req.dataDir}.before-replace-<time>`,
    reason:
      "it holds the data of this host's former member, which is no longer in the cluster (etcdup never " +
      "deletes a data dir)",
  };
  if (!read) {
    return {
      steps: [
        {
          kind: "remove-member",
          via: seen.endpoints,
          action:
            `remove ${req.replace} from the cluster if it is dead and quorum holds (refused otherwise, exit 7)`,
          asks: `MemberList and each member's Status at ${at}; MemberRemove`,
          reason: `--replace ${req.replace}`,
        },
        ...(seen.dataDirHasMember
          ? [{ ...moveAside, action: `${moveAside.action} (if it is not a member)` }]
          : []),
      ],
      notes: [],
      dataDirMoved: seen.dataDirHasMember,
    };
  }
  const r = decideReplacement(read.members, read.probes, { ...req, name: req.replace });
  if (r.kind === "resume") {
    return {
      steps: [],
      notes: [
        `${req.replace} is this host, running (member ${r.target.id}): already replaced, nothing to remove`,
      ],
      dataDirMoved: false,
    };
  }
  const moved = seen.dataDirHasMember && !r.stillMember;
  const remove: JoinClusterStep[] = r.kind === "remove"
    ? [{
      kind: "remove-member",
      member: { id: r.target.id, name: r.target.name },
      // the members that answer first: the dead one would not
      via: [
        ...read.members.filter((m) => m.id !== r.target.id && read.probes[m.id].reachable)
          .flatMap((m) => m.clientUrls),
        ...seen.endpoints,
      ],
      action: `remove the dead member ${memberLabel(r.target)} (${r.target.id}) from the cluster`,
      asks: `MemberRemove ${r.target.id} at ${at}`,
      reason: `${memberLabel(r.target)} does not answer (${read.probes[r.target.id].error}); ${r.summary}`,
    }]
    : [];
  return {
    steps: [...remove, ...(moved ? [moveAside] : [])],
    notes: r.kind === "absent"
      ? [`the cluster lists no member named ${req.replace}: nothing to remove, joining under that name`]
      : [],
    dataDirMoved: moved,
    ...(r.kind === "remove" ? { removed: r.target } : {}),
  };
}

/**
 * Plans the cluster steps of joining `req` to the cluster `seen` shows; throws the refusals the run would
 * meet when the member list was read.
 * @example planJoinCluster(req, seen).steps.map((s) => s.kind) // ["add-member", "initial-cluster", "promote"]
 */
export function planJoinCluster(req: JoinRequest, seen: JoinObserved): JoinClusterPlan {
  const at = seen.endpoints.join(", ");
  const read = seen.cluster.kind === "read" ? seen.cluster : undefined;
  const unread = seen.cluster.kind === "unread" ? seen.cluster.why : "";
  const replaced = req.replace !== undefined
    ? replaceSteps({ ...req, replace: req.replace }, seen, read)
    : { steps: [], notes: [], dataDirMoved: false };
  // The member list as the join finds it: without the member the replacement removes.
  const members = read?.members.filter((m) => m.id !== replaced.removed?.id);
  const role = req.learner ? "a learner" : "a voting member (--no-learner)";
  const self = members ? findMemberByPeerUrls(members, req.peerUrls) : undefined;
  const hasMember = seen.dataDirHasMember && !replaced.dataDirMoved;
  const steps: JoinClusterStep[] = [...replaced.steps];
  const notes = [...replaced.notes];
  if (self) {
    notes.push(
      `${req.name} is already in the cluster as ${self.isLearner ? "a learner" : "a voting member"} ` +
        `(member ${self.id}, found by its peer URL ${req.peerUrls.join(",")}): no member add, resuming`,
    );
  } else {
    if (members && hasMember) throw staleDataDir(seen.endpoints, req.peerUrls);
    steps.push({
      kind: "add-member",
      peerUrls: req.peerUrls,
      learner: req.learner,
      action: `add ${req.name} (${req.peerUrls.join(",")}) to the cluster as ${role}`,
      asks: `MemberAdd peerURLs=${req.peerUrls.join(",")} isLearner=${req.learner} at ${at}`,
      reason: req.learner
        ? "a learner does not vote until it has caught up, so adding it never costs the cluster its quorum"
        : "--no-learner: it counts towards the quorum at once, before it runs",
    });
  }
  const pending: Member = {
    id: "0",
    name: "",
    peerUrls: req.peerUrls,
    clientUrls: [],
    isLearner: req.learner,
  };
  const value = members
    ? joinInitialCluster(self ? members : [...members, pending], self ?? pending, {
      name: req.name,
      dataDirHasMember: hasMember,
      previousInitialCluster: req.previousInitialCluster,
    })
    : undefined;
  const recorded = req.previousInitialCluster;
  if (value !== undefined && recorded !== undefined && sameInitialCluster(value, recorded)) {
    notes.push(`ETCD_INITIAL_CLUSTER stays as recorded: ${recorded}`);
  } else {
    steps.push({
      kind: "initial-cluster",
      ...(value !== undefined ? { value } : {}),
      action: `ETCD_INITIAL_CLUSTER_STATE=existing, ETCD_INITIAL_CLUSTER=${
        value ?? "the live member list with this member"
      }`,
      reason: "etcd checks a joining member's initial cluster against the live member list",
    });
  }
  if (self && !self.isLearner) notes.push(`${req.name} is already a voting member: nothing to promote`);
  else if (!req.learner && !self) notes.push("added as a voting member (--no-learner): nothing to promote");
  else {
    steps.push({
      kind: "promote",
      ...(self ? { memberId: self.id } : {}),
      action: `once etcd here is healthy, promote ${req.name} to a voting member when it has caught up`,
      asks: `MemberPromote ${
        self ? self.id : "<the new member's ID>"
      } at ${at} (retried while it catches up)`,
      reason: "a learner votes only once promoted",
    });
  }
  return {
    endpoints: seen.endpoints,
    memberList: read
      ? {
        read: true,
        members: read.members.map((m) => ({
          id: m.id,
          name: m.name,
          peerUrls: m.peerUrls,
          learner: m.isLearner,
        })),
      }
      : { read: false, why: unread },
    steps,
    notes,
  };
}
