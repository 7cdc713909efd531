/**
 * The cluster step `join --dry-run` prints, pure (lib/cluster/join_plan.ts): for what a host can see (no
 * member list; a list without this node; an earlier join's learner or voter; `--replace` of a dead member,
 * of this host running, of a live member), the steps in order with what they ask, or the refusal by code.
 */
import assert from "node:assert/strict";
import type { Member } from "../../lib/cluster/api.ts";
import type { Probe } from "../../lib/cluster/liveness.ts";
import type { JoinObserved } from "../../lib/cluster/join_observed.ts";
import { type JoinRequest, planJoinCluster } from "../../lib/cluster/join_plan.ts";
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
  assert.equal(
    plan.steps[1].action,
    "ETCD_INITIAL_CLUSTER_STATE=existing, ETCD_INITIAL_CLUSTER=n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380," +
      "n3=https://10.0.0.3:2380,n4=https://10.0.0.4:2380",
  );
  const voter = planJoinCluster({ ...req, learner: false }, read([n1]));
  assert.deepEqual(kinds(voter), ["add-member", "initial-cluster"]);
  assert.match(voter.steps[0].asks!, /isLearner=false/);
});

Deno.test("join plan: an earlier join's member is found, not added; a voter is not promoted again", () => {
  const learner = member("4", "", true);
  assert.deepEqual(kinds(planJoinCluster(req, read([n1, learner]))), [
    "found-member",
    "initial-cluster",
    "promote",
  ]);
  const voter = planJoinCluster(req, read([n1, member("4", "n4")]));
  assert.deepEqual(kinds(voter), ["found-member", "initial-cluster"]);
  assert.deepEqual(voter.notes, ["n4 is already a voting member: nothing to promote"]);
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
  assert.deepEqual(kinds(done), ["found-member", "initial-cluster"]);
  assert.match(done.notes[0], /n3 is this host, running \(member 3\): already replaced/);
});
