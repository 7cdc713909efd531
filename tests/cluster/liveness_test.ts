/**
 * What `recover` and `join --replace` see of real etcd members on loopback: every member's own status (a
 * killed member does not answer, the others report the leader), and a member restarted without quorum,
 * whose client API does not serve, still giving its member list on its peer URL (IDs beyond 2^53 intact).
 */
import assert from "node:assert/strict";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { probeMembers } from "../../lib/cluster/liveness.ts";
import { decideRecover } from "../../lib/cluster/quorum.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { waitUntil } from "../support/wait.ts";
import { startLocalCluster } from "./local_cluster.ts";

Deno.test("probes and the peer member list of a real cluster that loses quorum and restarts its survivor", async () => {
  const c = await startLocalCluster(3);
  const api = new ClusterApi(c.tls);
  try {
    const [m1, m2, m3] = c.members;
    const before = (await api.memberList()).members;
    const healthy = await probeMembers(api, before);
    const leaders = new Set(Object.values(healthy).map((p) => p.leader));
    assert.equal(leaders.size, 1, JSON.stringify(healthy));
    assert.ok(Object.values(healthy).every((p) => p.reachable && p.leader !== "0"));
    const self = before.find((m) => m.name === "m1")!;
    assert.equal(decideRecover(before, self.id, healthy).kind, "refuse");

    const local = new ClusterApi({ ...c.tls, endpoints: [m1.clientUrl] });
    try {
      // m1 itself must have applied every member's name before the others die (it may lag the leader).
      await waitUntil(
        async () => (await local.memberList(false)).members.every((m) => m.name !== "") || undefined,
        20_000,
        "m1 to know every member's name",
      );
      await c.kill(m2);
      await c.kill(m3);
      await c.kill(m1);
      c.start(m1, c.members.map((m) => `${m.name}=${m.peerUrl}`).join(","), "new");
      // Its peer API gives the member list it holds, once it listens...
      const peer = await waitUntil(() => local.peerMembers(m1.peerUrl), 20_000, "m1's peer URL to answer");
      // ...but it cannot publish itself without a quorum, so its client API does not serve.
      await assert.rejects(
        local.memberList(false),
        (e) => e instanceof EtcdupError && e.code === "cluster-unreachable" && e.exit === Exit.network,
      );
      assert.deepEqual(
        peer.map((m) => [m.id, m.name, m.peerUrls]).sort(),
        before.map((m) => [m.id, m.name, m.peerUrls]).sort(),
      );
      const probes = await probeMembers(local, peer);
      assert.ok(Object.values(probes).every((p) => !p.reachable), JSON.stringify(probes));
    } finally {
      await local.close();
    }
  } finally {
    await api.close();
    await c.close();
  }
});
