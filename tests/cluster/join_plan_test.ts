/**
 * The cluster steps `join --dry-run` prints and `join` carries out, pure (lib/cluster/join_plan.ts): for what
 * a host can see (no member list; a list without this node; an earlier join's learner or voter, killed before
 * or after its config was written; `--replace` of a dead member, of this host running, of a live member), the
 * steps in order with what they ask and what carrying them out needs, or the refusal by code. A finished join
 * plans no step.
 */
import assert from "node:assert/strict";
import type { Member } from "../../lib/cluster/api.ts";
import type { Probe } from "../../lib/cluster/liveness.ts";
import type { JoinObserved } from "../../lib/cluster/join_observed.ts";
import { planJoinCluster } from "../../lib/cluster/join_plan.ts";
import type { JoinRequest } from "../../lib/cluster/join_steps.ts";
import { renderJoinCluster } from "../../lib/cluster/join_view.ts";
import { Exit } from "../../lib/errors.ts";
import { refusedWith } from "../support/refusal.ts";

const member = (id: string, name: string, isLearner = false): Member => ({
  id,
  name,
  peerUrls: [`https://10.0.0.${id}:2380`],
  clientUrls: [`https://10.0.0.${id}:2379`],
  isLearner,
});
const [n1, n2, n3] = [member("1", "n1"), member("2", "n2"), member("3", "n3")];
const up: Probe = { reachable: true, leader: "1" };
const down: Probe = { reachable: false, error: "connect ETIMEDOUT" };
const ENDPOINT = "https://10.0.0.1:2379";
const req: JoinRequest = {
  name: "n4",
  peerUrls: ["https://10.0.0.4:2380"],
  learner: true,
  dataDir: "/var/lib/etcd",
  unit: "etcd.service",
};
const seen = (cluster: JoinObserved["cluster"], dataDirHasMember = false): JoinObserved => ({
  endpoints: [ENDPOINT],
  clientCert: { path: "/etc/etcd/pki/admin.crt", present: cluster.kind === "read" },
  cluster,
  dataDirHasMember,
});
const read = (members: Member[], probes: Record<string, Probe> = {}) =>
  seen({ kind: "read", members, probes });
const kinds = (p: ReturnType<typeof planJoinCluster>) => p.steps.map((s) => s.kind);

Deno.test("join plan: without the member list, the steps say what the run will ask and decide", () => {
  const plan = planJoinCluster(req, seen({ kind: "unread", why: "no client certificate" }));
  assert.deepEqual(kinds(plan), ["add-member", "initial-cluster", "promote"]);
  assert.deepEqual(plan.memberList, { read: false, why: "no client certificate" });
  assert.equal(plan.steps[0].asks, `MemberAdd peerURLs=https://10.0.0.4:2380 isLearner=true at ${ENDPOINT}`);
  assert.match(renderJoinCluster(plan), /member list not read: no client certificate; the run reads it/);
});

Deno.test("join plan: a new member of a read list: added as a learner, the initial cluster named, promoted", () => {
  const plan = planJoinCluster(req, read([n1, n2, n3]));
  assert.deepEqual(kinds(plan), ["add-member", "initial-cluster", "promote"]);
  const value =
    "n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380,n3=https://10.0.0.3:2380,n4=https://10.0.0.4:2380";
  assert.deepEqual(plan.steps[0], {
    kind: "add-member",
    peerUrls: req.peerUrls,
    learner: true,
    action: "add n4 (https://10.0.0.4:2380) to the cluster as a learner",
    asks: `MemberAdd peerURLs=https://10.0.0.4:2380 isLearner=true at ${ENDPOINT}`,
    reason: "a learner does not vote until it has caught up, so adding it never costs the cluster its quorum",
  });
  assert.deepEqual(plan.steps[1], {
    kind: "initial-cluster",
    value,
    action: `ETCD_INITIAL_CLUSTER_STATE=existing, ETCD_INITIAL_CLUSTER=${value}`,
    reason: "etcd checks a joining member's initial cluster against the live member list",
  });
  assert.equal(plan.steps[2].kind === "promote" && plan.steps[2].memberId, undefined, "the added member's");
  const voter = planJoinCluster({ ...req, learner: false }, read([n1]));
  assert.deepEqual(kinds(voter), ["add-member", "initial-cluster"]);
  assert.match(voter.steps[0].asks!, /isLearner=false/);
});

Deno.test("join plan: an earlier join's member is found, not added: only what remains (a finished join: no step)", () => {
  const learner = member("4", "", true);
  const added = planJoinCluster(req, read([n1, learner]));
  assert.deepEqual(kinds(added), ["initial-cluster", "promote"], "killed before its config was written");
  assert.match(
    added.notes[0],
    /^n4 is already in the cluster as a learner \(member 4, found by its peer URL/,
  );
  assert.deepEqual(added.steps[1], {
    kind: "promote",
    memberId: "4",
    action: "once etcd here is healthy, promote n4 to a voting member when it has caught up",
    asks: `MemberPromote 4 at ${ENDPOINT} (retried while it catches up)`,
    reason: "a learner votes only once promoted",
  });
  const written = added.steps[0].kind === "initial-cluster" ? added.steps[0].value : undefined;
  assert.equal(written, "n1=https://10.0.0.1:2380,n4=https://10.0.0.4:2380");
  const recorded = { ...req, previousInitialCluster: written };
  const configured = planJoinCluster(recorded, read([n1, learner]));
  assert.deepEqual(kinds(configured), ["promote"], "killed after its config was written: only the promotion");
  assert.ok(configured.notes.includes(`ETCD_INITIAL_CLUSTER stays as recorded: ${written}`));
  const started = planJoinCluster(
    recorded,
    seen({ kind: "read", members: [n1, member("4", "n4", true)], probes: {} }, true),
  );
  assert.deepEqual(kinds(started), ["promote"], "started: the recorded initial cluster kept");
  const voter = planJoinCluster(
    recorded,
    seen({ kind: "read", members: [n1, member("4", "n4")], probes: {} }, true),
  );
  assert.deepEqual(kinds(voter), []);
  assert.ok(voter.notes.includes("n4 is already a voting member: nothing to promote"));
  assert.match(renderJoinCluster(voter), /note: n4 is already a voting member/);
});

Deno.test("join plan: a data dir of another membership is refused (stale-data-dir, exit 7) once the list is read", () => {
  refusedWith(
    () => planJoinCluster(req, seen({ kind: "read", members: [n1], probes: {} }, true)),
    "stale-data-dir",
  );
  refusedWith(() => planJoinCluster({ ...req, name: "n1" }, read([n1])), "member-name-taken", Exit.usage);
});

Deno.test("join plan: --replace of a dead member removes it (and moves this host's old data dir aside); a live one is refused", () => {
  const probes = { 1: up, 2: up, 3: down };
  const replace = { ...req, name: "n3", replace: "n3", peerUrls: n3.peerUrls };
  const plan = planJoinCluster(replace, seen({ kind: "read", members: [n1, n2, n3], probes }, true));
  assert.deepEqual(kinds(plan), ["remove-member", "move-aside", "add-member", "initial-cluster", "promote"]);
  assert.equal(plan.steps[0].asks, `MemberRemove 3 at ${ENDPOINT}`);
  const [remove, aside] = plan.steps;
  assert.deepEqual(
    remove.kind === "remove-member" && [remove.member, remove.via],
    [{ id: "3", name: "n3" }, ["https://10.0.0.1:2379", "https://10.0.0.2:2379", ENDPOINT]],
    "asked of the members that answer first",
  );
  assert.deepEqual(aside.kind === "move-aside" && [aside.dataDir, aside.unit], [
    "/var/lib/etcd",
    "etcd.service",
  ]);
  assert.match(plan.steps[0].reason, /n3 does not answer \(connect ETIMEDOUT\)/);
  refusedWith(
    () => planJoinCluster({ ...replace, replace: "n2" }, read([n1, n2, n3], probes)),
    "replace-live-member",
  );
  const gone = planJoinCluster(replace, read([n1, n2], { 1: up, 2: up }));
  assert.deepEqual(kinds(gone), ["add-member", "initial-cluster", "promote"]);
  assert.deepEqual(gone.notes, [
    "the cluster lists no member named n3: nothing to remove, joining under that name",
  ]);
  const done = planJoinCluster(replace, read([n1, n2, n3], { 1: up, 2: up, 3: up }));
  assert.deepEqual(kinds(done), ["initial-cluster"], "no record given: the initial cluster is written");
  assert.match(done.notes[0], /n3 is this host, running \(member 3\): already replaced/);
});
