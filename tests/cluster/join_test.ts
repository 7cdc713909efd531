import assert from "node:assert/strict";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { finishJoin, parseJoinEndpoints, settleMembership } from "../../lib/cluster/join.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { waitHealthy } from "../../lib/etcd/health.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { startLocalCluster } from "./local_cluster.ts";

Deno.test("parseJoinEndpoints normalises and deduplicates, and names a bad endpoint", () => {
  assert.deepEqual(
    parseJoinEndpoints(["https://10.0.0.1:2379/", "https://10.0.0.1:2379", "https://[FD00::1]:2379"]),
    [
      "https://10.0.0.1:2379",
      "https://[fd00::1]:2379",
    ],
  );
  assert.throws(
    () => parseJoinEndpoints(["10.0.0.1:2379"]),
    (e: unknown) =>
      e instanceof EtcdupError && e.code === "bad-url" && e.exit === Exit.usage && /ENDPOINT/.test(e.message),
  );
});

Deno.test("a join killed at each point resumes: found by peer URL, started data kept, learner promoted", async () => {
  const c = await startLocalCluster(3);
  const lines: string[] = [];
  const out = createOutput({
    env: {},
    isTty: false,
    write: { stdout: () => {}, stderr: (s) => lines.push(s) },
  });
  const api = new ClusterApi(c.tls);
  try {
    const m4 = c.newMember("m4");
    const base = {
      client: { ...c.tls, endpoints: [c.members[1].clientUrl] },
      name: "m4",
      peerUrls: [m4.peerUrl],
      learner: true,
      timeoutMs: 20_000,
      out,
    };
    // A data dir left by a former membership: refused before anything is added.
    await assert.rejects(
      () => settleMembership({ ...base, dataDirHasMember: true }),
      (e: unknown) => e instanceof EtcdupError && e.code === "stale-data-dir" && e.exit === Exit.precondition,
    );
    assert.equal((await api.memberList()).members.length, 3);

    // First run: added as a learner; killed before etcd started.
    const first = await settleMembership({ ...base, dataDirHasMember: false });
    assert.equal(first.isLearner, true);
    assert.match(first.initialCluster, new RegExp(`m4=${m4.peerUrl}`));
    assert.equal(first.initialCluster.split(",").length, 4);

    // Second run: the member is found, not added again; this time etcd starts, then the run is killed.
    const second = await settleMembership({ ...base, dataDirHasMember: false });
    assert.deepEqual(second, first);
    assert.equal((await api.memberList()).members.length, 4);
    c.start(m4, second.initialCluster, "existing");
    await waitHealthy({ ...c.tls, endpoints: [m4.clientUrl], timeoutMs: 30_000 });

    // Third run: a started member keeps the recorded initial cluster (no config change, no restart).
    const third = await settleMembership({
      ...base,
      dataDirHasMember: true,
      previousInitialCluster: "recorded",
    });
    assert.deepEqual([third.id, third.initialCluster], [first.id, "recorded"]);
    await finishJoin(base.client, third, { timeoutMs: 30_000, out });
    const entry = (await api.memberList()).members.find((m) => m.id === first.id);
    assert.deepEqual([entry?.name, entry?.isLearner], ["m4", false]);
    assert.ok(lines.some((l) => /already in the cluster as a learner/.test(l)), lines.join(""));
    assert.ok(lines.some((l) => /is a voting member/.test(l)), lines.join(""));
  } finally {
    await api.close();
    await c.close();
  }
});
