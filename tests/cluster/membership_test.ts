import assert from "node:assert/strict";
import { ClusterApi, type Member } from "../../lib/cluster/api.ts";
import {
  addMember,
  existingClusterMembers,
  findMemberByPeerUrls,
  promoteWhenReady,
  removeSelf,
} from "../../lib/cluster/membership.ts";
import { formatInitialCluster } from "../../lib/plan/cluster.ts";
import { waitHealthy } from "../../lib/etcd/health.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { execOk } from "../support/exec.ts";
import { type LocalCluster, startLocalCluster } from "./local_cluster.ts";

const members: Member[] = [
  { id: "1", name: "a", peerUrls: ["https://10.0.0.1:2380"], clientUrls: [], isLearner: false },
  { id: "2", name: "", peerUrls: ["https://[FD00::2]:2380/"], clientUrls: [], isLearner: true },
  { id: "3", name: "", peerUrls: ["https://10.0.0.3:2380"], clientUrls: [], isLearner: true },
];

Deno.test("findMemberByPeerUrls matches peer URLs however they are written", () => {
  assert.equal(findMemberByPeerUrls(members, ["https://[fd00:0::2]:2380"])?.id, "2");
  assert.equal(findMemberByPeerUrls(members, ["https://10.0.0.9:2380"]), undefined);
});

Deno.test("existingClusterMembers names this member, keeps started names, placeholders the unstarted", () => {
  assert.equal(
    formatInitialCluster(existingClusterMembers(members, "3", "c")),
    "a=https://10.0.0.1:2380,pending-2=https://[fd00::2]:2380,c=https://10.0.0.3:2380",
  );
  assert.throws(
    () => existingClusterMembers(members, "3", "a"),
    (e: unknown) =>
      e instanceof EtcdupError && e.code === "member-name-taken" && e.exit === Exit.usage &&
      /already named 'a'/.test(e.message),
  );
});

/** `etcdctl` against one endpoint with the cluster's admin certificate. */
function etcdctl(c: LocalCluster, endpoint: string, ...args: string[]): Promise<string> {
  return execOk([
    c.etcdctlBin,
    `--endpoints=${endpoint}`,
    `--cacert=${c.tls.caFile}`,
    `--cert=${c.tls.certFile}`,
    `--key=${c.tls.keyFile}`,
    ...args,
  ]);
}

Deno.test("a member joins a real cluster as a learner, is promoted, serves reads, and leaves; another joins as a voter", async () => {
  const c = await startLocalCluster(3);
  const api = new ClusterApi(c.tls);
  try {
    const m4 = c.newMember("m4");
    const first = await addMember(api, [m4.peerUrl], true, { timeoutMs: 20_000 });
    assert.equal(first.member.isLearner, true);
    assert.equal(first.members.length, 4);
    // A re-run (say after the join was killed here) finds the member by its peer URL.
    const listed = (await api.memberList()).members;
    assert.equal(findMemberByPeerUrls(listed, [m4.peerUrl])?.id, first.member.id);

    const initial = formatInitialCluster(existingClusterMembers(listed, first.member.id, "m4"));
    c.start(m4, initial, "existing");
    await waitHealthy({ ...c.tls, endpoints: [m4.clientUrl], timeoutMs: 30_000 });
    await promoteWhenReady(api, first.member.id, { timeoutMs: 30_000 });
    await promoteWhenReady(api, first.member.id, { timeoutMs: 1_000 }); // already a voter: a no-op
    const after = await api.memberList();
    const m4Entry = after.members.find((m) => m.id === first.member.id);
    assert.deepEqual([m4Entry?.name, m4Entry?.isLearner], ["m4", false]);

    await etcdctl(c, c.members[0].clientUrl, "put", "joined", "yes");
    assert.equal((await etcdctl(c, m4.clientUrl, "get", "joined", "--print-value-only")).trim(), "yes");

    const own = new ClusterApi({ ...c.tls, endpoints: [m4.clientUrl] });
    try {
      const removed = await removeSelf(own, [m4.peerUrl]);
      assert.deepEqual(removed, { kind: "removed", id: first.member.id, remaining: 3 });
      assert.deepEqual(await removeSelf(api, [m4.peerUrl]), { kind: "not-a-member" });
    } finally {
      await own.close();
    }
    assert.equal((await api.memberList()).members.length, 3);

    // --no-learner: a voting member from the start, serving once started.
    const m5 = c.newMember("m5");
    const voter = await addMember(api, [m5.peerUrl], false, { timeoutMs: 20_000 });
    assert.equal(voter.member.isLearner, false);
    c.start(
      m5,
      formatInitialCluster(existingClusterMembers(voter.members, voter.member.id, "m5")),
      "existing",
    );
    await waitHealthy({ ...c.tls, endpoints: [m5.clientUrl], timeoutMs: 30_000 });
    assert.equal((await etcdctl(c, m5.clientUrl, "get", "joined", "--print-value-only")).trim(), "yes");
  } finally {
    await api.close();
    await c.close();
  }
});

Deno.test("removeSelf leaves the last member alone, and a refused change names the operation", async () => {
  const c = await startLocalCluster(1);
  const api = new ClusterApi(c.tls);
  try {
    const [m1] = c.members;
    assert.equal((await removeSelf(api, [m1.peerUrl])).kind, "last-member");
    // etcd's own refusal, not a passing one, fails at once and names the operation.
    await assert.rejects(
      () => promoteWhenReady(api, "12345", { timeoutMs: 10_000 }),
      (err: unknown) =>
        err instanceof EtcdupError && err.code === "member-promote-failed" &&
        /promoting member 12345 failed: .*member not found/.test(err.message),
    );
  } finally {
    await api.close();
    await c.close();
  }
});
