import assert from "node:assert/strict";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { type ClusterStatus, clusterStatus, formatClusterStatus, hexId } from "../../lib/cluster/status.ts";
import { startLocalCluster } from "./local_cluster.ts";

Deno.test("hexId prints uint64 member IDs as etcdctl does, beyond 2^53", () => {
  assert.equal(hexId("11431579719218725400"), "9ea5213001978218");
  assert.equal(hexId("1"), "1");
});

Deno.test("formatClusterStatus shows roles, health, sizes and alarms", () => {
  const report = {
    memberId: "1",
    version: "3.5.30",
    dbSize: 2 * 1024 * 1024,
    dbSizeInUse: 20480,
    leader: "1",
    raftIndex: 42,
    raftTerm: 3,
    raftAppliedIndex: 42,
    isLearner: false,
    errors: [],
  };
  const s: ClusterStatus = {
    clusterId: "c1",
    leaderId: "1",
    healthy: false,
    alarms: [{ memberId: "2", alarm: "NOSPACE" }],
    members: [
      {
        id: "1",
        name: "n1",
        peerUrls: [],
        clientUrls: ["https://10.0.0.1:2379"],
        isLearner: false,
        started: true,
        isLeader: true,
        endpoints: [{ endpoint: "https://10.0.0.1:2379", healthy: true, status: report }],
      },
      {
        id: "2",
        name: "",
        peerUrls: [],
        clientUrls: [],
        isLearner: true,
        started: false,
        isLeader: false,
        endpoints: [],
      },
    ],
  };
  const text = formatClusterStatus(s);
  assert.match(text, /^cluster c1: 2 member\(s\), leader n1, NOT healthy$/m);
  assert.match(
    text,
    /^n1\s+1\s+leader\s+healthy\s+3\.5\.30\s+2\.0 MiB \(20 KiB\)\s+3\s+42\s+https:\/\/10\.0\.0\.1:2379$/m,
  );
  assert.match(text, /^\(unstarted\)\s+2\s+learner\s+UNHEALTHY/m);
  assert.match(text, /^alarms: NOSPACE on 2$/m);
});

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
