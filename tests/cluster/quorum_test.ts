/**
 * The pure decisions of disaster recovery: the quorum arithmetic of `recover` and `join --replace`, which
 * members `recover` drops, and the commands it prints. The same decisions against real etcd members are in
 * replace_test.ts; in systemd containers in tests/e2e/recovery_test.ts.
 */
import assert from "node:assert/strict";
import type { Member } from "../../lib/cluster/api.ts";
import type { Probe } from "../../lib/cluster/liveness.ts";
import {
  CA_EXPORT_FILE,
  decideRecover,
  decideReplace,
  quorumOf,
  replaceCommands,
} from "../../lib/cluster/quorum.ts";

const member = (id: string, name: string, isLearner = false): Member => ({
  id,
  name,
  peerUrls: [`https://10.0.0.${id}:2380`],
  clientUrls: name ? [`https://10.0.0.${id}:2379`] : [],
  isLearner,
});
const [n1, n2, n3, n4, n5] = ["1", "2", "3", "4", "5"].map((id) => member(id, `n${id}`));
const up = (leader = "0"): Probe => ({ reachable: true, leader });
const down: Probe = { reachable: false, error: "connect ETIMEDOUT" };

Deno.test("quorumOf is a strict majority of the voters", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(quorumOf), [1, 2, 2, 3, 3, 4, 4]);
});

Deno.test("recover: allowed only when fewer than a quorum of voters answer and none follows a leader", () => {
  const three = [n1, n2, n3];
  const lost = decideRecover(three, "1", { 1: up(), 2: down, 3: down });
  assert.equal(lost.kind, "recover");
  assert.deepEqual(lost.kind === "recover" && lost.removed.map((m) => m.name), ["n2", "n3"]);

  const led = decideRecover(three, "1", { 1: up("2"), 2: up("2"), 3: down });
  assert.equal(led.kind === "refuse" && led.code, "cluster-has-quorum");
  assert.match(
    led.kind === "refuse" ? led.message : "",
    /n1 follows the leader n2; 2 of 3 voting members answer/,
  );

  // Two of three answer without a leader yet (an election): still a quorum, refused.
  const electing = decideRecover(three, "1", { 1: up(), 2: up(), 3: down });
  assert.equal(electing.kind === "refuse" && electing.code, "cluster-has-quorum");

  // Five members, two answer: lost; three answer: not.
  const five = [n1, n2, n3, n4, n5];
  assert.equal(decideRecover(five, "1", { 1: up(), 2: up(), 3: down, 4: down, 5: down }).kind, "recover");
  assert.equal(decideRecover(five, "1", { 1: up(), 2: up(), 3: up(), 4: down, 5: down }).kind, "refuse");

  // A healthy one-member cluster has nothing to recover.
  const solo = decideRecover([n1], "1", { 1: up("1") });
  assert.equal(solo.kind === "refuse" && solo.code, "cluster-has-quorum");
  assert.match(solo.kind === "refuse" ? solo.hint : "", /one-member cluster/);
});

Deno.test("recover: learners do not count for quorum, are dropped too, and cannot recover themselves", () => {
  const learner = member("4", "n4", true);
  // n1 and the learner answer, but the learner does not vote: 1 of 3 voters.
  const d = decideRecover([n1, n2, n3, learner], "1", { 1: up(), 2: down, 3: down, 4: up() });
  assert.equal(d.kind, "recover");
  assert.deepEqual(d.kind === "recover" && d.removed.map((m) => m.name), ["n2", "n3", "n4"]);
  const self = decideRecover([n1, n2, n3, learner], "4", { 1: down, 2: down, 3: down, 4: up() });
  assert.equal(self.kind === "refuse" && self.code, "recover-learner");
  assert.equal(decideRecover([n1], "9", {}).kind === "refuse", true);
});

Deno.test("replace: a live member, the last member and a lost quorum are refused with the arithmetic", () => {
  const live = decideReplace({
    members: [n1, n2, n3],
    target: n2,
    probes: { 1: up("1"), 2: up("1") },
    learner: true,
  });
  assert.equal(live.kind === "refuse" && live.code, "replace-live-member");

  const last = decideReplace({ members: [n1], target: n1, probes: { 1: down }, learner: true });
  assert.equal(last.kind === "refuse" && last.code, "replace-last-member");

  const lost = decideReplace({
    members: [n1, n2, n3],
    target: n2,
    probes: { 1: up(), 2: down, 3: down },
    learner: true,
  });
  assert.equal(lost.kind === "refuse" && lost.code, "replace-loses-quorum");
  assert.equal(
    lost.kind === "refuse" && lost.message,
    "replacing would need a quorum the cluster does not have: 3 voting member(s), 1 answering (a change needs " +
      "a quorum of 2); removing n2 leaves 2 (a quorum of 2); the new member joins as a learner and votes only once caught up",
  );
  assert.match(lost.kind === "refuse" ? lost.hint : "", /etcdup recover/);
});

Deno.test("replace: a dead member of three goes when two answer; of two, it needs recover first", () => {
  const ok = decideReplace({
    members: [n1, n2, n3],
    target: n3,
    probes: { 1: up("1"), 2: up("1"), 3: down },
    learner: true,
  });
  assert.equal(ok.kind, "replace");
  assert.equal(ok.kind === "replace" && ok.target?.name, "n3");
  assert.equal(
    ok.kind === "replace" && ok.summary,
    "3 voting member(s), 2 answering (a change needs a quorum of 2); removing n3 leaves 2 (a quorum of 2); " +
      "the new member joins as a learner and votes only once caught up",
  );

  // Two members, one dead: the removal itself needs both to commit.
  const two = decideReplace({ members: [n1, n2], target: n2, probes: { 1: up(), 2: down }, learner: true });
  assert.equal(two.kind === "refuse" && two.code, "replace-loses-quorum");
  assert.match(two.kind === "refuse" ? two.hint : "", /etcdup recover/);
});

Deno.test("replace: a voter added at once to a one-member cluster would stall it; a learner would not", () => {
  const input = { members: [n1], target: undefined, probes: { 1: up("1") } };
  assert.equal(decideReplace({ ...input, learner: true }).kind, "replace");
  const voter = decideReplace({ ...input, learner: false });
  assert.equal(voter.kind === "refuse" && voter.code, "replace-loses-quorum");
  assert.match(
    voter.kind === "refuse" ? voter.message : "",
    /added as a voter makes 2 \(a quorum of 2\) before it runs/,
  );
  assert.match(voter.kind === "refuse" ? voter.hint : "", /learner/);
});

Deno.test("replace: a name the cluster no longer lists (after recover) only checks the addition", () => {
  const afterRecover = decideReplace({
    members: [n1],
    target: undefined,
    probes: { 1: up("1") },
    learner: true,
  });
  assert.equal(afterRecover.kind, "replace");
  assert.equal(afterRecover.kind === "replace" && afterRecover.target, undefined);
  // An unstarted member (no client URL) is dead by definition, and can be replaced.
  const pending = member("7", "");
  assert.equal(
    decideReplace({
      members: [n1, n2, pending],
      target: pending,
      probes: { 1: up("1"), 2: up("1"), 7: down },
      learner: true,
    }).kind,
    "replace",
  );
});

Deno.test("replaceCommands: export the CA here, then one join --replace per named member, quoted for the shell", () => {
  assert.deepEqual(replaceCommands([n2, member("8", ""), member("9", "it's")], "https://10.0.0.1:2379"), [
    `etcdup certs export --out ${CA_EXPORT_FILE}`,
    `etcdup join --replace n2 https://10.0.0.1:2379 --ca-from ${CA_EXPORT_FILE}`,
    `etcdup join --replace 'it'\\''s' https://10.0.0.1:2379 --ca-from ${CA_EXPORT_FILE}`,
  ]);
  assert.deepEqual(replaceCommands([], "https://10.0.0.1:2379"), []);
});
