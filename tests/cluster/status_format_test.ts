/** `etcdup status`'s cluster text from data alone (lib/cluster/status.ts); the real cluster is in status_test.ts. */
import assert from "node:assert/strict";
import { type ClusterStatus, formatClusterStatus, hexId } from "../../lib/cluster/status.ts";

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
