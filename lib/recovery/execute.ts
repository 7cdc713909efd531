/**
 * Carries out a recovery's steps (lib/recovery/plan.ts) in their order, each by its one case here, and
 * returns the steps done: the list `--dry-run` printed. A refused plan's clean-up steps run the same way
 * before its refusal is thrown. Every step is safe to run again, so a killed run is finished by the next.
 */
import { ClusterApi } from "../cluster/api.ts";
import { memberLabel } from "../cluster/quorum.ts";
import { EtcdupError, Exit } from "../errors.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import { waitHealthy } from "../etcd/health.ts";
import type { HostRoot } from "../host/fs.ts";
import type { ServiceManager } from "../host/systemd.ts";
import type { Output } from "../output.ts";
import { FIXED_PATHS } from "../plan/build.ts";
import type { InstallState } from "../state_record.ts";
import { clearForce, placeForce } from "./force.ts";
import type { RecoveryRecord } from "./observed.ts";
import type { RecoverPlan, RecoverStep } from "./plan.ts";
import { recordSolo, removeRecovery, writeRecovery } from "./record.ts";

/** What the steps work with. */
export interface RecoverHost {
  host: HostRoot;
  state: InstallState;
  svc: ServiceManager;
  /** The admin client of this member (loopback first). */
  client: TlsClient;
  timeoutMs: number;
  out: Output;
}

/** Waits for health on this member and checks it is the only member, `memberId`. */
async function checkSolo({ client, timeoutMs }: RecoverHost, memberId: string): Promise<void> {
  await waitHealthy({ ...client, endpoints: client.endpoints.slice(0, 1), timeoutMs });
  const api = new ClusterApi(client);
  try {
    const { members } = await api.memberList(true);
    if (members.length !== 1 || members[0].id !== memberId) {
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

/** Records the one-member cluster in the env file and the state record; says what changed. */
function recordOneMember(r: RecoverHost, step: RecoverStep): void {
  const solo = recordSolo(r.host, r.state, FIXED_PATHS, new Date());
  if (solo.envRewritten) r.out.step(`rewrote ${FIXED_PATHS.envFile}: ETCD_INITIAL_CLUSTER=${step.target}`);
  if (solo.envEdited) {
    r.out.warn(
      `${FIXED_PATHS.envFile} was edited, so it is kept; its ETCD_INITIAL_CLUSTER no longer matters`,
    );
  }
  if (solo.state) r.out.step(`state record: initial cluster ${step.target}`);
}

/** The record a step that writes or checks it needs (a refused plan's clean-up steps need none). */
function needRecord(record: RecoveryRecord | undefined, step: RecoverStep): RecoveryRecord {
  if (record) return record;
  throw new EtcdupError({
    code: "internal",
    message: `recover: step ${step.kind} without a recovery record`,
  });
}

/** Carries out one step. */
async function runStep(r: RecoverHost, step: RecoverStep, record: RecoveryRecord | undefined): Promise<void> {
  const { host, state, svc, out } = r;
  switch (step.kind) {
    case "drop-stale-force":
    case "clear-force":
      if (clearForce(host, state.unit) && svc.live) await svc.daemonReload();
      return;
    case "remove-stale-record":
    case "remove-record":
      removeRecovery(host);
      return;
    case "write-record":
      writeRecovery(host, needRecord(record, step));
      return;
    case "place-force":
      placeForce(host, state.unit);
      await svc.daemonReload();
      return;
    case "force-start":
      out.step(`restarting ${state.unit} once with --force-new-cluster`);
      await svc.restart(state.unit);
      await checkSolo(r, needRecord(record, step).memberId);
      out.info(`${state.name} is a healthy one-member cluster with all its data`);
      return;
    case "record-solo":
      recordOneMember(r, step);
      return;
    case "restart":
      out.step(`restarting ${state.unit} without --force-new-cluster`);
      await svc.restart(state.unit);
      await checkSolo(r, needRecord(record, step).memberId);
      return;
  }
}

/**
 * Runs the steps of `plan` in order, each reported once done (`--json`: its kind and target, so what a
 * killed run did can be told); returns them.
 */
export async function executeRecover(r: RecoverHost, plan: RecoverPlan): Promise<RecoverStep[]> {
  const record = plan.kind === "recover" ? plan.record : undefined;
  const done: RecoverStep[] = [];
  for (const step of plan.steps) {
    await runStep(r, step, record);
    r.out.step(step.action, { step: step.kind, target: step.target });
    done.push(step);
  }
  return done;
}
