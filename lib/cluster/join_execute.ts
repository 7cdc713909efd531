/**
 * Carrying out the cluster steps a join planned (lib/cluster/join_plan.ts), exactly those and in order,
 * saying each once done: before etcd's configuration is written, the dead member removed and a former
 * member's data dir moved aside (`--replace`), this node added, the initial cluster settled; once etcd here
 * is healthy, the learner promoted. Nothing is decided again here: a killed join is finished by a re-run,
 * whose plan (from a new observation) holds only what remains. Host: etcd's member API, systemd, the data dir.
 */
import { EtcdupError } from "../errors.ts";
import type { Output } from "../output.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import type { HostRoot } from "../host/fs.ts";
import { moveAside } from "../host/aside.ts";
import { serviceManager } from "../host/systemd.ts";
import { formatInitialCluster, sameInitialCluster } from "../plan/cluster.ts";
import { ClusterApi, type Member } from "./api.ts";
import type { JoinClusterPlan, JoinClusterStep } from "./join_steps.ts";
import { addMember, existingClusterMembers, promoteWhenReady, removeMember } from "./membership.ts";

/** Where and as whom the steps run. */
export interface JoinRun {
  host: HostRoot;
  /** The admin client of the cluster's CA, with the endpoints given to join. */
  client: TlsClient;
  /** This member's name. */
  name: string;
  /** Bounds each change etcd refuses for a passing reason, and the promotion's wait. */
  timeoutMs: number;
  out: Output;
}

/** What the steps before etcd's start did, and what is left for after it. */
export interface BeforeStart {
  /** The steps done, as planned (the initial cluster's value as written). */
  done: JoinClusterStep[];
  /** The `ETCD_INITIAL_CLUSTER` etcd's configuration gets, when the plan sets it. */
  initialCluster?: string;
  /** The promotion left for once etcd is healthy, with the member it promotes. */
  promote?: { step: JoinClusterStep; memberId: string };
}

/** A step planned without the member list (a dry run's only): the run always reads it first. */
function unreadStep(step: JoinClusterStep): never {
  throw new EtcdupError({
    code: "internal",
    message: `join: the ${step.kind} step was planned without the member list and cannot be carried out`,
  });
}

/** Stops the unit when it runs (it may be crash-looping on the old data) and moves the data dir aside. */
async function moveDataDirAside(
  run: JoinRun,
  step: Extract<JoinClusterStep, { kind: "move-aside" }>,
): Promise<void> {
  const svc = serviceManager(run.host);
  if (await svc.isActive(step.unit)) {
    run.out.step(`stopping ${step.unit}: it runs on the data dir of the former member`);
    await svc.stop(step.unit);
  }
  const to = moveAside(run.host, step.dataDir, "replace", new Date());
  run.out.step(`moved the data dir of the former member aside to ${to} (etcdup never deletes one)`);
}

/**
 * The initial cluster as planned; after an add, checked against the list etcd answered it with (what etcd
 * checks at the first start): a different membership (changed since it was read) is the live one, said.
 */
function settleInitialCluster(
  run: JoinRun,
  step: Extract<JoinClusterStep, { kind: "initial-cluster" }>,
  added: { member: Member; members: Member[] } | undefined,
): Extract<JoinClusterStep, { kind: "initial-cluster" }> {
  const planned = step.value ?? unreadStep(step);
  const answered = added
    ? formatInitialCluster(existingClusterMembers(added.members, added.member.id, run.name))
    : planned;
  const live = sameInitialCluster(answered, planned) ? planned : answered;
  if (live !== planned) {
    run.out.warn(`the member list changed since it was read: ETCD_INITIAL_CLUSTER is the live one, ${live}`);
  }
  run.out.step(`ETCD_INITIAL_CLUSTER_STATE=existing, ETCD_INITIAL_CLUSTER=${live} for etcd's first start`);
  return live === planned
    ? step
    : { ...step, value: live, action: `ETCD_INITIAL_CLUSTER_STATE=existing, ETCD_INITIAL_CLUSTER=${live}` };
}

/**
 * Carries out the plan's steps up to etcd's start: remove-member, move-aside, add-member, initial-cluster;
 * the promotion is returned for {@link joinAfterHealthy}.
 */
export async function joinBeforeStart(run: JoinRun, plan: JoinClusterPlan): Promise<BeforeStart> {
  const api = new ClusterApi(run.client);
  const retry = {
    timeoutMs: run.timeoutMs,
    onWait: (reason: string) => run.out.info(`the cluster refused the change for now (${reason}); retrying`),
  };
  const result: BeforeStart = { done: [] };
  let added: { member: Member; members: Member[] } | undefined;
  try {
    for (const step of plan.steps) {
      if (step.kind === "remove-member") {
        const member = step.member ?? unreadStep(step);
        const removed = await removeMember(api, member, step.via, retry);
        run.out.step(
          removed
            ? `removed the dead member ${member.name || member.id} (${member.id}) from the cluster`
            : `member ${member.id} was already removed from the cluster`,
        );
      } else if (step.kind === "move-aside") {
        await moveDataDirAside(run, step);
      } else if (step.kind === "add-member") {
        added = await addMember(api, step.peerUrls, step.learner, retry);
        run.out.step(
          `added ${run.name} to the cluster as a ${step.learner ? "learner" : "voting member"} ` +
            `(member ${added.member.id})`,
        );
      } else if (step.kind === "initial-cluster") {
        const settled = settleInitialCluster(run, step, added);
        result.initialCluster = settled.value;
        result.done.push(settled);
        continue;
      } else {
        const memberId = step.memberId ?? added?.member.id ?? unreadStep(step);
        result.promote = { step, memberId };
        continue;
      }
      result.done.push(step);
    }
    return result;
  } finally {
    await api.close();
  }
}

/** Promotes the learner (retrying until it has caught up); returns the step, done. */
export async function joinAfterHealthy(
  run: JoinRun,
  promote: NonNullable<BeforeStart["promote"]>,
): Promise<JoinClusterStep> {
  const api = new ClusterApi(run.client);
  try {
    run.out.step(`promoting member ${promote.memberId} to a voting member once it has caught up`);
    await promoteWhenReady(api, promote.memberId, { timeoutMs: run.timeoutMs });
    run.out.step(`member ${promote.memberId} is a voting member`);
    return promote.step;
  } finally {
    await api.close();
  }
}
