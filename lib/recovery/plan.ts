/**
 * What `etcdup recover` does, as a pure function of what it observed (lib/recovery/observed.ts): the list
 * of steps with the reason for each, which `--dry-run` prints (lib/recovery/view.ts) and apply carries out in
 * order (lib/recovery/execute.ts), or a refusal (an EtcdupError value, exit 7) with the clean-up steps that
 * come before it. Where a run starts: the forced start already made this member a one-member cluster (a
 * recovery record for it exists: finish), or the quorum arithmetic (lib/cluster/quorum.ts) allows forcing.
 */
import { decideRecover, memberLabel, replaceCommands } from "../cluster/quorum.ts";
import { EtcdupError, Exit } from "../errors.ts";
import { FIXED_PATHS } from "../plan/build.ts";
import { FORCE_ENV_FILE, forceDropIn } from "./force.ts";
import { type RecoverObserved, RECOVERY_FILE, type RecoveryRecord } from "./observed.ts";
import { soloCluster } from "./record.ts";

/** What one step does; lib/recovery/execute.ts has one case for each. */
export type RecoverStepKind =
  /** Remove the --force-new-cluster files a killed run left (refused now), so no later start forces. */
  | "drop-stale-force"
  /** Remove the record of a recovery that is refused now. */
  | "remove-stale-record"
  /** Write the recovery record: the members the forced start drops. */
  | "write-record"
  /** Write the drop-in and the flag file, reload systemd. */
  | "place-force"
  /** Restart etcd with the flag; wait for a healthy one-member cluster. */
  | "force-start"
  /** The env file and the state record: the initial cluster is this member alone. */
  | "record-solo"
  /** Remove the drop-in and the flag file, reload systemd. */
  | "clear-force"
  /** Restart etcd without the flag; wait for a healthy one-member cluster again. */
  | "restart"
  /** Remove the recovery record: done. */
  | "remove-record";

/** One step of a recovery: what it acts on, what it does and why. */
export interface RecoverStep {
  kind: RecoverStepKind;
  /** The file, unit or value it acts on. */
  target: string;
  /** What it does, for a human. */
  action: string;
  /** Why. */
  reason: string;
}

/** The recovery, decided. */
export type RecoverPlan =
  /** Refused: the clean-up steps first, then `refusal` (exit 7). */
  | { kind: "refuse"; refusal: EtcdupError; steps: RecoverStep[] }
  | {
    kind: "recover";
    /** "force": from the start; "finish": the forced start already happened (a killed run). */
    stage: "force" | "finish";
    /** The record of this recovery (written by the first step of a "force" stage). */
    record: RecoveryRecord;
    steps: RecoverStep[];
    /** The commands that bring the dropped members back (`join --replace`). */
    commands: string[];
    /** What the run says before it starts (resumed, why quorum is lost). */
    notes: string[];
  };

/** The clean-up a refused run does: a killed run's force files and record removed. */
function refusedCleanup(seen: RecoverObserved, unit: string): RecoverStep[] {
  const steps: RecoverStep[] = [];
  if (seen.force.dropIn || seen.force.flag) {
    steps.push({
      kind: "drop-stale-force",
      target: forceDropIn(unit),
      action: `remove ${forceDropIn(unit)} and ${FORCE_ENV_FILE}; systemctl daemon-reload`,
      reason: "an interrupted recover left them; no later start of etcd may force a new cluster",
    });
  }
  if (seen.record) {
    steps.push({
      kind: "remove-stale-record",
      target: RECOVERY_FILE,
      action: `remove ${RECOVERY_FILE}`,
      reason: "the recovery it records is refused now",
    });
  }
  return steps;
}

/** Why the env file is rewritten or kept. */
function envReason(seen: RecoverObserved, envFile: string): string {
  const recorded = seen.state.files[envFile];
  if (seen.envFile === undefined) return `there is no ${envFile}: the state record only`;
  if (recorded !== undefined && seen.envFile.sha256 !== recorded.sha256) {
    return `${envFile} was edited, so it is kept (its ETCD_INITIAL_CLUSTER no longer matters); the state ` +
      "record says it";
  }
  return "as install renders it, so a later install re-run keeps it instead of writing the old member list back";
}

/** The steps after the forced start: record, unforce, restart, done. */
function finishSteps(seen: RecoverObserved, stage: "force" | "finish"): RecoverStep[] {
  const { unit } = seen.state;
  const envFile = FIXED_PATHS.envFile;
  const solo = soloCluster(seen.state);
  const clear: RecoverStep[] = stage === "force" || seen.force.dropIn || seen.force.flag
    ? [{
      kind: "clear-force",
      target: forceDropIn(unit),
      action: `remove ${forceDropIn(unit)} and ${FORCE_ENV_FILE} (if still there); systemctl daemon-reload`,
      reason: stage === "force"
        ? "the flag is for one start only"
        : "the interrupted run left them; the flag is for one start only",
    }]
    : [];
  return [
    {
      kind: "record-solo",
      target: solo,
      action: `record the initial cluster ${solo} in ${envFile} and the state record`,
      reason: envReason(seen, envFile),
    },
    ...clear,
    {
      kind: "restart",
      target: unit,
      action:
        `systemctl restart ${unit} without --force-new-cluster; wait until it is a healthy one-member cluster`,
      reason: "etcd runs as it always will from now on",
    },
    {
      kind: "remove-record",
      target: RECOVERY_FILE,
      action: `remove ${RECOVERY_FILE}`,
      reason: "the recovery is done",
    },
  ];
}

/**
 * Plans `etcdup recover` from `seen` at time `now`: refused (with its clean-up) when this member is not in
 * its own member list, is a learner, or the cluster has quorum; finished when a killed run's forced start
 * already made it a one-member cluster; otherwise forced from the start.
 * @example planRecover(observed, new Date()).kind // "refuse" while the cluster has quorum
 */
export function planRecover(seen: RecoverObserved, now: Date): RecoverPlan {
  const { state, self } = seen;
  if (!self) {
    return {
      kind: "refuse",
      steps: [],
      refusal: new EtcdupError({
        code: "recover-not-a-member",
        message: `the member list of this etcd does not list this member (${state.peerUrls.join(",")})`,
        hint: "The data dir does not belong to this member; restore a snapshot instead ('etcdup restore').",
        exit: Exit.precondition,
      }),
    };
  }
  const endpoint = self.clientUrls[0] ?? state.clientUrls[0];
  const resumed = seen.force.dropIn || seen.force.flag || seen.record !== undefined
    ? ["resuming an interrupted recover"]
    : [];
  const mine = seen.record?.memberId === self.id ? seen.record : undefined;
  if (mine && seen.members.length === 1) {
    return {
      kind: "recover",
      stage: "finish",
      record: mine,
      steps: finishSteps(seen, "finish"),
      commands: replaceCommands(mine.removed, endpoint),
      notes: [
        ...resumed,
        ...(seen.force.dropIn || seen.force.flag
          ? []
          : ["no --force-new-cluster file is left: nothing to remove, no daemon-reload"]),
      ],
    };
  }
  const decision = decideRecover(seen.members, self.id, seen.probes);
  if (decision.kind === "refuse") {
    const { code, message, hint } = decision;
    return {
      kind: "refuse",
      steps: refusedCleanup(seen, state.unit),
      refusal: new EtcdupError({ code, message, hint, exit: Exit.precondition }),
    };
  }
  const record: RecoveryRecord = {
    schema: 1,
    startedAt: now.toISOString(),
    memberId: self.id,
    removed: decision.removed,
  };
  const dropped = record.removed.map(memberLabel).join(", ") || "nobody";
  const lost = record.removed.map((m) => `${memberLabel(m)} (${seen.probes[m.id]?.error ?? "no answer"})`);
  return {
    kind: "recover",
    stage: "force",
    record,
    steps: [
      {
        kind: "write-record",
        target: RECOVERY_FILE,
        action: `write ${RECOVERY_FILE} (the members dropped: ${dropped})`,
        reason: "after the forced start etcd no longer knows them; a killed run is finished from it",
      },
      {
        kind: "place-force",
        target: forceDropIn(state.unit),
        action: `write ${forceDropIn(state.unit)} and ${FORCE_ENV_FILE} (ETCD_FORCE_NEW_CLUSTER=true); ` +
          "systemctl daemon-reload",
        reason: "etcd starts once with --force-new-cluster; the flag file is deleted as soon as it is ready",
      },
      {
        kind: "force-start",
        target: state.unit,
        action: `systemctl restart ${state.unit} with --force-new-cluster; wait until it is a healthy ` +
          "one-member cluster over mutual TLS",
        reason: `quorum is lost for good: ${lost.join("; ") || "no other member"}`,
      },
      ...finishSteps(seen, "force"),
    ],
    commands: replaceCommands(record.removed, endpoint),
    notes: [...resumed, ...(lost.length > 0 ? [`quorum is lost: ${lost.join("; ")}`] : [])],
  };
}
