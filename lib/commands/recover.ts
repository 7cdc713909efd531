/**
 * `etcdup recover`: a majority of the members is gone for good, this member's data is fine. Observe (this
 * member's member list, every member asked over mutual TLS), decide (lib/cluster/quorum.ts: refused while
 * the cluster has quorum), then: record the members to drop, start etcd once with --force-new-cluster
 * (lib/recovery/force.ts), check it is a healthy one-member cluster, record that in the env file and the
 * state record, remove the flag, restart normally, check again, and print the `join --replace` commands for
 * the dropped members. A run killed at any point is finished by running it again.
 */
import type { ContextOf } from "../specs/spec.ts";
import type { recoverFlags } from "../specs/recover.ts";
import type { Output } from "../output.ts";
import { ClusterApi, type Member } from "../cluster/api.ts";
import { probeMembers } from "../cluster/liveness.ts";
import { findMemberByPeerUrls } from "../cluster/membership.ts";
import { decideRecover, memberLabel, type Probe, replaceCommands } from "../cluster/quorum.ts";
import { EtcdupError, Exit, type ExitCode } from "../errors.ts";
import { waitHealthy } from "../etcd/health.ts";
import type { HostRoot } from "../host/fs.ts";
import type { InstallState } from "../state_record.ts";
import { type ServiceManager, serviceManager } from "../host/systemd.ts";
import { adminClient, type TlsClient } from "../etcd/admin_client.ts";
import { hostOf, requireRoot } from "../daytwo/preconditions.ts";
import { requireInstalled } from "../observe/installed.ts";
import { FIXED_PATHS } from "../plan/build.ts";
import {
  clearForce,
  dropStaleForce,
  FORCE_ENV_FILE,
  forceDropIn,
  forceFiles,
  placeForce,
} from "../recovery/force.ts";
import {
  readRecovery,
  recordSolo,
  RECOVERY_FILE,
  type RecoveryRecord,
  removeRecovery,
  soloCluster,
  writeRecovery,
} from "../recovery/record.ts";

/** What every step of a recovery works with. */
interface Recovery {
  host: HostRoot;
  state: InstallState;
  svc: ServiceManager;
  /** The admin client of this member (loopback first). */
  client: TlsClient;
  timeoutMs: number;
  out: Output;
}

/** What this member and the others said. */
interface Observed {
  members: Member[];
  self: Member;
  probes: Record<string, Probe>;
}

/** The advertised client URL the printed commands point at (not loopback). */
function joinEndpoint(self: Member, state: InstallState): string {
  return self.clientUrls[0] ?? state.clientUrls[0];
}

/**
 * Reads this member's member list from its peer URL (answered even when it is not ready for lack of a
 * quorum, e.g. after a restart, when its client API does not serve) and asks every member over its client
 * URLs, this one on loopback first: a member without quorum does not answer there, which is what it is.
 * Retries while etcd on this member does not answer yet (just (re)started).
 */
async function observe({ client, state }: Recovery, timeoutMs: number): Promise<Observed> {
  const api = new ClusterApi(client);
  const deadline = Date.now() + timeoutMs;
  try {
    while (true) {
      try {
        const members = await api.peerMembers(state.peerUrls[0]);
        const self = findMemberByPeerUrls(members, state.peerUrls);
        if (!self) {
          throw new EtcdupError({
            code: "recover-not-a-member",
            message: `the member list of this etcd does not list this member (${state.peerUrls.join(",")})`,
            hint:
              "The data dir does not belong to this member; restore a snapshot instead ('etcdup restore').",
            exit: Exit.precondition,
          });
        }
        const probes = await probeMembers(api, members, { [self.id]: client.endpoints });
        // This member runs (it answered on its peer URL), ready or not.
        probes[self.id] = { leader: "0", ...probes[self.id], reachable: true };
        return { members, self, probes };
      } catch (err) {
        if (!(err instanceof EtcdupError) || err.code !== "cluster-unreachable") throw err;
        if (Date.now() >= deadline) {
          throw new EtcdupError({
            code: "local-member-unreachable",
            message: `etcd on this member does not answer: ${err.message}`,
            hint:
              `recover reads the member list from this member's etcd: start it ('systemctl start ${state.unit}'), ` +
              `check 'journalctl -u ${state.unit}', and run recover again.`,
            exit: Exit.health,
            cause: err,
          });
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await api.close();
  }
}

/** The stage a (re-)run is at. */
type Stage =
  /** Force a new cluster dropping `record.removed`. */
  | { kind: "force"; record: RecoveryRecord }
  /** The forced start already happened: finish (record, unforce, restart). */
  | { kind: "finish"; record: RecoveryRecord };

/**
 * Where a run starts: the forced start already made this member a one-member cluster (a recovery record
 * for it exists), or the quorum arithmetic allows forcing; otherwise refused (exit 7), and (unless a dry
 * run) a flag a killed run left behind is removed so no later restart forces.
 */
async function decide(
  r: Recovery,
  seen: Observed,
  record: RecoveryRecord | undefined,
  opts: { now: Date; dryRun: boolean },
): Promise<Stage> {
  const { host, state } = r;
  const mine = record?.memberId === seen.self.id ? record : undefined;
  if (mine && seen.members.length === 1) return { kind: "finish", record: mine };
  const decision = decideRecover(seen.members, seen.self.id, seen.probes);
  if (decision.kind === "refuse") {
    if (opts.dryRun) {
      const left = forceFiles(host, state.unit);
      if (left.dropIn || left.flag) {
        r.out.warn(`would remove the --force-new-cluster files an interrupted recover left`);
      }
    } else await dropStaleForce(host, state.unit, r.svc, r.out);
    if (record && !opts.dryRun) removeRecovery(host);
    throw new EtcdupError({ ...decision, exit: Exit.precondition });
  }
  return {
    kind: "force",
    record: {
      schema: 1,
      startedAt: opts.now.toISOString(),
      memberId: seen.self.id,
      removed: decision.removed,
    },
  };
}

/** Waits for health on this member and checks it is the only member. */
async function checkSolo({ client, timeoutMs }: Recovery, self: Member): Promise<void> {
  await waitHealthy({ ...client, endpoints: client.endpoints.slice(0, 1), timeoutMs });
  const api = new ClusterApi(client);
  try {
    const { members } = await api.memberList(true);
    if (members.length !== 1 || members[0].id !== self.id) {
      throw new EtcdupError({
        code: "recover-not-solo",
        message: `after the forced start the cluster still lists ${members.map(memberLabel).join(", ")}`,
        hint: "Check 'journalctl -u etcd' for the start with --force-new-cluster, then run recover again.",
        exit: Exit.health,
      });
    }
  } finally {
    await api.close();
  }
}

/** Starts etcd once with --force-new-cluster and waits until it is a healthy one-member cluster. */
async function forceStart(r: Recovery, self: Member): Promise<void> {
  const { host, state, svc, out } = r;
  placeForce(host, state.unit);
  await svc.daemonReload();
  out.step(`restarting ${state.unit} once with --force-new-cluster (${forceDropIn(state.unit)})`);
  await svc.restart(state.unit);
  await checkSolo(r, self);
  out.step(`${state.name} is a healthy one-member cluster with all its data`);
}

/** Records the one-member cluster, removes the flag and restarts etcd without it; checks it again. */
async function finish(r: Recovery, self: Member): Promise<void> {
  const { host, state, svc, out } = r;
  const solo = recordSolo(host, state, FIXED_PATHS, new Date());
  if (solo.envRewritten) {
    out.step(`rewrote ${FIXED_PATHS.envFile}: ETCD_INITIAL_CLUSTER=${soloCluster(state)}`);
  }
  if (solo.envEdited) {
    out.warn(`${FIXED_PATHS.envFile} was edited, so it is kept; its ETCD_INITIAL_CLUSTER no longer matters`);
  }
  if (solo.state) out.step(`state record: initial cluster ${soloCluster(state)}`);
  if (clearForce(host, state.unit)) await svc.daemonReload();
  out.step(`removed --force-new-cluster; restarting ${state.unit} without it`);
  await svc.restart(state.unit);
  await checkSolo(r, self);
}

/** The human summary of a dry run. */
function describePlan(stage: Stage, state: InstallState, commands: string[]): string {
  const removed = stage.record.removed.map(memberLabel).join(", ");
  return [
    stage.kind === "force"
      ? `Would make ${state.name} a one-member cluster with all its data, dropping ${removed || "nobody"}:`
      : `${state.name} is already a one-member cluster (an interrupted recover); would finish:`,
    ...(stage.kind === "force"
      ? [
        `  write ${RECOVERY_FILE} (the members dropped)`,
        `  write ${forceDropIn(state.unit)} and ${FORCE_ENV_FILE} (ETCD_FORCE_NEW_CLUSTER=true)`,
        `  systemctl daemon-reload; systemctl restart ${state.unit}; wait for health over mutual TLS`,
      ]
      : []),
    `  record the initial cluster ${soloCluster(state)} in ${FIXED_PATHS.envFile} and the state record`,
    `  remove the --force-new-cluster files; systemctl daemon-reload; systemctl restart ${state.unit}; wait for health`,
    ...(commands.length > 0
      ? ["Then the commands for the dropped members:", ...commands.map((c) => `  ${c}`)]
      : []),
  ].join("\n");
}

/** The human summary of a recovery. */
function describeDone(state: InstallState, record: RecoveryRecord, commands: string[]): string {
  const names = record.removed.map(memberLabel).join(", ");
  return [
    `${state.name} is a healthy one-member cluster with all its data (dropped: ${names || "nobody"}).`,
    ...(commands.length > 0
      ? [
        "Bring the other members back on new hosts (fresh disks), one at a time:",
        `  ${commands[0]}    # here; copy the file to each new host`,
        ...commands.slice(1).map((c) => `  ${c}    # on the new host`),
      ]
      : []),
  ].join("\n");
}

/** Runs `etcdup recover`. */
export async function run(ctx: ContextOf<typeof recoverFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const host = hostOf({}); // recover takes no --root: always the live host
  const state = requireInstalled(host, "recover");
  requireRoot(host, "recover");
  const svc = serviceManager(host);
  const r: Recovery = {
    host,
    state,
    svc,
    client: adminClient(host, state),
    timeoutMs: options["health-timeout"],
    out,
  };
  const dryRun = options["dry-run"];
  const leftover = forceFiles(host, state.unit);
  const pending = readRecovery(host);
  if (!dryRun && !(await svc.isActive(state.unit))) {
    out.step(`starting ${state.unit} to read its member list`);
    await svc.start(state.unit, { noBlock: true });
  }
  const seen = await observe(r, dryRun ? 5_000 : r.timeoutMs);
  const stage = await decide(r, seen, pending, { now: new Date(), dryRun });
  const commands = replaceCommands(stage.record.removed, joinEndpoint(seen.self, state));
  if (dryRun) {
    out.result(
      { dryRun: true, stage: stage.kind, removed: stage.record.removed.map((m) => m.name), commands },
      describePlan(stage, state, commands),
    );
    return Exit.ok;
  }
  if (leftover.dropIn || leftover.flag || pending) out.info("resuming an interrupted recover");
  if (stage.kind === "force") {
    writeRecovery(host, stage.record);
    out.info(
      `quorum is lost: ${
        stage.record.removed.map((m) => `${memberLabel(m)} (${seen.probes[m.id]?.error ?? "no answer"})`)
          .join("; ")
      }`,
    );
    await forceStart(r, seen.self);
  }
  await finish(r, seen.self);
  removeRecovery(host);
  out.result(
    { recovered: true, member: state.name, removed: stage.record.removed.map((m) => m.name), commands },
    describeDone(state, stage.record, commands),
  );
  return Exit.ok;
}
