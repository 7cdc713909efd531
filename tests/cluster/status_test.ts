import assert from "node:assert/strict";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { clusterStatus, formatClusterStatus } from "../../lib/cluster/status.ts";
import { startLocalCluster } from "./local_cluster.ts";

Deno.test("clusterStatus of a real cluster: leader, versions, and a dead member shown, not thrown", async () => {
  const c = await startLocalCluster(3);
  const api = new ClusterApi(c.tls);
  try {
    const s = await clusterStatus(api);
    assert.equal(s.healthy, true, formatClusterStatus(s));
    assert.equal(s.members.filter((m) => m.isLeader).length, 1);
    for (const m of s.members) {
      assert.equal(m.endpoints.length, 1);
      assert.equal(m.endpoints[0].status?.version, "3.5.30");
      assert.ok((m.endpoints[0].status?.raftIndex ?? 0) > 0);
    }
    const victim = c.members.find((m) => !s.members.find((v) => v.name === m.name)?.isLeader)!;
    await c.kill(victim);
    const after = await clusterStatus(api);
    const dead = after.members.find((m) => m.name === victim.name)!;
    assert.equal(dead.endpoints[0].healthy, false);
    assert.ok(dead.endpoints[0].error, "the dead member's endpoint says why");
    assert.equal(after.healthy, false);
    assert.equal(after.leaderId, s.leaderId, "the leader stayed");
    assert.match(formatClusterStatus(after), new RegExp(`^${victim.name}\\s.*UNHEALTHY`, "m"));
  } finally {
    await api.close();
    await c.close();
  }
});
