/**
 * `recover`'s plan, pure (lib/recovery/plan.ts): for observed states of a three-member cluster (healthy;
 * quorum lost; killed before, during and after the forced start; the others back after a killed run; this
 * member a learner or not listed; an edited env file), the steps in their order with their reasons, or the
 * refusal by its code and exit with the clean-up before it.
 */
import assert from "node:assert/strict";
import type { Member } from "../../lib/cluster/api.ts";
import type { Probe } from "../../lib/cluster/liveness.ts";
import { Exit } from "../../lib/errors.ts";
import { FORCE_ENV_FILE, forceDropIn } from "../../lib/recovery/force.ts";
import { type RecoverObserved, RECOVERY_FILE } from "../../lib/recovery/observed.ts";
import { planRecover, type RecoverPlan } from "../../lib/recovery/plan.ts";
import { describeDryRun, describeRefusedCleanup } from "../../lib/recovery/view.ts";
import { memberState } from "../daytwo/fixtures.ts";

const member = (id: string, isLearner = false): Member => ({
  id,
  name: `n${id}`,
  peerUrls: [`https://10.0.0.${id}:2380`],
  clientUrls: [`https://10.0.0.${id}:2379`],
  isLearner,
});
const [n1, n2, n3] = ["1", "2", "3"].map((id) => member(id));
const up = (leader = "0"): Probe => ({ reachable: true, leader });
const down: Probe = { reachable: false, error: "connect ETIMEDOUT" };
const ENV = { sha256: "a".repeat(64), uid: 0, gid: 0, mode: 0o644 };
const state = memberState({ "/etc/default/etcd": ENV }, {
  initialCluster: "n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380,n3=https://10.0.0.3:2380",
});
const now = new Date("2026-12-02T12:00:00Z");
const DROP_IN = forceDropIn("etcd.service");

/** The observed state: three members, n1 (this one) alone answering, nothing left by a killed run. */
function seen(over: Partial<RecoverObserved> = {}): RecoverObserved {
  return {
    state,
    members: [n1, n2, n3],
    self: n1,
    probes: { 1: up(), 2: down, 3: down },
    record: undefined,
    force: { dropIn: false, flag: false },
    envFile: ENV,
    ...over,
  };
}

/** The record a run started at `now` leaves. */
const record = { schema: 1 as const, startedAt: now.toISOString(), memberId: "1", removed: [n2, n3] };

const kinds = (p: RecoverPlan) => p.steps.map((s) => `${s.kind} ${s.target}`);
const going = (p: RecoverPlan) => {
  assert.equal(p.kind, "recover", JSON.stringify(p));
  return p as Extract<RecoverPlan, { kind: "recover" }>;
};
const refused = (p: RecoverPlan, code: string) => {
  assert.equal(p.kind, "refuse");
  const r = p as Extract<RecoverPlan, { kind: "refuse" }>;
  assert.equal(r.refusal.code, code);
  assert.equal(r.refusal.exit, Exit.precondition);
  return r;
};

const FORCE_STEPS = [
  `write-record ${RECOVERY_FILE}`,
  `place-force ${DROP_IN}`,
  "force-start etcd.service",
  "record-solo n1=https://10.0.0.1:2380",
  `clear-force ${DROP_IN}`,
  "restart etcd.service",
  `remove-record ${RECOVERY_FILE}`,
];

Deno.test("recover plan: a healthy cluster is refused (cluster-has-quorum, exit 7), nothing to clean", () => {
  const plan = refused(
    planRecover(seen({ probes: { 1: up("2"), 2: up("2"), 3: up("2") } }), now),
    "cluster-has-quorum",
  );
  assert.deepEqual(plan.steps, []);
  assert.match(plan.refusal.message, /follows the leader n2; 3 of 3 voting members answer/);
});

Deno.test("recover plan: quorum lost: record, force, start once forced, record solo, unforce, restart, done", () => {
  const plan = going(planRecover(seen(), now));
  assert.equal(plan.stage, "force");
  assert.deepEqual(kinds(plan), FORCE_STEPS);
  assert.deepEqual(plan.record, record);
  assert.deepEqual(plan.notes, ["quorum is lost: n2 (connect ETIMEDOUT); n3 (connect ETIMEDOUT)"]);
  assert.deepEqual(plan.commands, [
    "etcdup certs export --out /root/etcd-ca.export",
    "etcdup join --replace n2 https://10.0.0.1:2379 --ca-from /root/etcd-ca.export",
    "etcdup join --replace n3 https://10.0.0.1:2379 --ca-from /root/etcd-ca.export",
  ]);
  for (const s of plan.steps) assert.ok(s.reason.length > 0 && s.action.length > 0, s.kind);
  const text = describeDryRun(plan, "n1");
  assert.match(text, /^Would make n1 a one-member cluster with all its data, dropping n2, n3:/);
  assert.match(text, /3\. systemctl restart etcd\.service with --force-new-cluster/);
  assert.match(text, /quorum is lost for good: n2 \(connect ETIMEDOUT\)/);
  assert.match(text, /etcdup join --replace n3 https:\/\/10\.0\.0\.1:2379/);
});

Deno.test("recover plan: killed before the forced start (record and flag there, members still listed): forced again", () => {
  const plan = going(planRecover(seen({ record, force: { dropIn: true, flag: true } }), now));
  assert.equal(plan.stage, "force");
  assert.deepEqual(kinds(plan), FORCE_STEPS);
  assert.equal(plan.notes[0], "resuming an interrupted recover");
});

Deno.test("recover plan: killed after the forced start (alone in its list, drop-in left): finished", () => {
  const plan = going(
    planRecover(
      seen({ members: [n1], probes: { 1: up() }, record, force: { dropIn: true, flag: false } }),
      now,
    ),
  );
  assert.equal(plan.stage, "finish");
  assert.deepEqual(kinds(plan), FORCE_STEPS.slice(3));
  assert.deepEqual(plan.record, record, "the members dropped come from the record");
  assert.deepEqual(plan.notes, ["resuming an interrupted recover"]);
  assert.equal(plan.commands.length, 3);
  assert.match(
    describeDryRun(plan, "n1"),
    /^n1 is already a one-member cluster \(an interrupted recover\); would finish:/,
  );
});

Deno.test("recover plan: killed after the flag was removed: finished without a clear step, which is said", () => {
  const plan = going(planRecover(seen({ members: [n1], probes: { 1: up() }, record }), now));
  assert.deepEqual(kinds(plan), [FORCE_STEPS[3], FORCE_STEPS[5], FORCE_STEPS[6]]);
  assert.deepEqual(plan.notes, [
    "resuming an interrupted recover",
    "no --force-new-cluster file is left: nothing to remove, no daemon-reload",
  ]);
});

Deno.test("recover plan: a healthy one-member cluster with another member's record is refused, the record removed", () => {
  const plan = refused(
    planRecover(seen({ members: [n1], probes: { 1: up("1") }, record: { ...record, memberId: "9" } }), now),
    "cluster-has-quorum",
  );
  assert.deepEqual(kinds(plan), [`remove-stale-record ${RECOVERY_FILE}`]);
});

Deno.test("recover plan: the others came back after a killed run: refused, its flag and record removed first", () => {
  const plan = refused(
    planRecover(
      seen({ probes: { 1: up("2"), 2: up("2"), 3: down }, record, force: { dropIn: true, flag: true } }),
      now,
    ),
    "cluster-has-quorum",
  );
  assert.deepEqual(kinds(plan), [`drop-stale-force ${DROP_IN}`, `remove-stale-record ${RECOVERY_FILE}`]);
  const lines = describeRefusedCleanup(plan.steps);
  assert.match(lines[0], new RegExp(`^would remove ${DROP_IN} and ${FORCE_ENV_FILE}`));
});

Deno.test("recover plan: not in its own member list, or a learner: refused by code, nothing done", () => {
  const stranger = refused(
    planRecover(seen({ self: undefined, members: [n2, n3] }), now),
    "recover-not-a-member",
  );
  assert.deepEqual(stranger.steps, []);
  assert.match(stranger.refusal.message, /does not list this member \(https:\/\/10\.0\.0\.1:2380\)/);
  const learner = member("1", true);
  const plan = refused(
    planRecover(seen({ self: learner, members: [learner, n2, n3] }), now),
    "recover-learner",
  );
  assert.deepEqual(plan.steps, []);
});

Deno.test("recover plan: the record-solo step says why: an edited env file is kept, a missing one is not written", () => {
  const solo = (over: Partial<RecoverObserved>) =>
    going(planRecover(seen(over), now)).steps.find((s) => s.kind === "record-solo")!.reason;
  assert.match(solo({}), /as install renders it/);
  assert.match(solo({ envFile: { ...ENV, sha256: "b".repeat(64) } }), /was edited, so it is kept/);
  assert.match(solo({ envFile: undefined }), /there is no \/etc\/default\/etcd: the state record only/);
});
