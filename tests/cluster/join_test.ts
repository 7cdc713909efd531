/**
 * join's cluster steps against real etcd members on loopback (tests/cluster/local_cluster.ts), the way the
 * run takes them: observe (lib/observe/join.ts, with the admin pair placed in a temp tree's PKI dir), plan
 * (lib/cluster/join_plan.ts), carry out (lib/cluster/join_execute.ts). A join killed at each point is re-run:
 * each new plan holds only what remains, and carrying it out finishes the join.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { parseJoinEndpoints } from "../../lib/cluster/join.ts";
import { joinAfterHealthy, joinBeforeStart, type JoinRun } from "../../lib/cluster/join_execute.ts";
import { planJoinCluster } from "../../lib/cluster/join_plan.ts";
import type { JoinClusterPlan, JoinRequest } from "../../lib/cluster/join_steps.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { adminTlsClient } from "../../lib/etcd/admin_client.ts";
import { waitHealthy } from "../../lib/etcd/health.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { observeJoin } from "../../lib/observe/join.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { sameInitialCluster } from "../../lib/plan/cluster.ts";
import { inTempDir } from "../release/helpers.ts";
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

Deno.test("a join killed at each point resumes: each re-run plans only what remains (found by peer URL, started data kept, learner promoted)", async () => {
  const c = await startLocalCluster(3);
  const lines: string[] = [];
  const out = createOutput({
    env: {},
    isTty: false,
    write: { stdout: () => {}, stderr: (s) => lines.push(s) },
  });
  const api = new ClusterApi(c.tls);
  try {
    await inTempDir(async (root) => {
      const host = new HostRoot(root);
      const pki = pkiPaths("etcd");
      fs.mkdirSync(host.resolve(pki.dir), { recursive: true });
      fs.copyFileSync(c.tls.caFile, host.resolve(pki.caCert));
      fs.copyFileSync(c.tls.certFile, host.resolve(pki.adminCert));
      fs.copyFileSync(c.tls.keyFile, host.resolve(pki.adminKey));
      const m4 = c.newMember("m4");
      const endpoints = [c.members[1].clientUrl];
      const req: JoinRequest = {
        name: "m4",
        peerUrls: [m4.peerUrl],
        learner: true,
        dataDir: "/var/lib/etcd",
        unit: "etcd.service",
      };
      const run: JoinRun = {
        host,
        client: adminTlsClient(host, pki, endpoints),
        name: "m4",
        timeoutMs: 30_000,
        out,
      };
      /** The run's observation and plan, as `join` makes them once the PKI is in place. */
      const plan = async (r: JoinRequest = req): Promise<JoinClusterPlan> =>
        planJoinCluster(
          r,
          await observeJoin(host, pki, { endpoints, dataDir: r.dataDir, replace: false, run: true }),
        );
      const kinds = (p: JoinClusterPlan) => p.steps.map((s) => s.kind);
      const dataMember = host.resolve("/var/lib/etcd/member");

      // A data dir left by a former membership: refused before anything is added.
      fs.mkdirSync(dataMember, { recursive: true });
      await assert.rejects(
        () => plan(),
        (e: unknown) =>
          e instanceof EtcdupError && e.code === "stale-data-dir" && e.exit === Exit.precondition,
      );
      fs.rmSync(dataMember, { recursive: true });
      assert.equal((await api.memberList()).members.length, 3);

      // First run: added as a learner; killed before etcd started (the promotion not reached).
      const first = await plan();
      assert.deepEqual(kinds(first), ["add-member", "initial-cluster", "promote"]);
      const before = await joinBeforeStart(run, first);
      assert.deepEqual(before.done, first.steps.slice(0, 2), "the planned steps, carried out as planned");
      const initialCluster = before.initialCluster!;
      assert.match(initialCluster, new RegExp(`m4=${m4.peerUrl}`));
      assert.equal(initialCluster.split(",").length, 4);
      assert.equal((await api.memberList()).members.length, 4);

      // Re-run without the record (killed before it was written): found, not added; the same initial cluster.
      const second = await plan();
      assert.deepEqual(kinds(second), ["initial-cluster", "promote"]);
      assert.ok(
        second.notes.some((n) => /m4 is already in the cluster as a learner/.test(n)),
        second.notes.join("\n"),
      );
      const secondDone = await joinBeforeStart(run, second);
      assert.ok(
        sameInitialCluster(secondDone.initialCluster!, initialCluster),
        `${secondDone.initialCluster}`,
      );
      assert.equal(secondDone.promote?.memberId, before.promote?.memberId);
      // With the record (killed after the config was written): only the promotion remains.
      const recorded = { ...req, previousInitialCluster: initialCluster };
      assert.deepEqual(kinds(await plan(recorded)), ["promote"]);
      assert.equal((await api.memberList()).members.length, 4, "not added twice");

      // etcd starts; killed before the promotion: a started member keeps the recorded initial cluster.
      c.start(m4, initialCluster, "existing");
      await waitHealthy({ ...c.tls, endpoints: [m4.clientUrl], timeoutMs: 30_000 });
      fs.mkdirSync(dataMember, { recursive: true });
      const third = await plan({ ...recorded, previousInitialCluster: "recorded" });
      assert.deepEqual(kinds(third), ["promote"]);
      assert.ok(
        third.notes.includes("ETCD_INITIAL_CLUSTER stays as recorded: recorded"),
        third.notes.join("\n"),
      );
      const pending = await joinBeforeStart(run, third);
      assert.deepEqual([pending.done, pending.initialCluster], [[], undefined]);
      assert.deepEqual(await joinAfterHealthy(run, pending.promote!), third.steps[0]);
      const entry = (await api.memberList()).members.find((m) => m.id === before.promote?.memberId);
      assert.deepEqual([entry?.name, entry?.isLearner], ["m4", false]);

      // A finished join plans no step.
      const finished = await plan(recorded);
      assert.deepEqual(kinds(finished), []);
      assert.ok(
        finished.notes.includes("m4 is already a voting member: nothing to promote"),
        finished.notes.join("\n"),
      );
      assert.ok(lines.some((l) => /added m4 to the cluster as a learner/.test(l)), lines.join(""));
      assert.ok(lines.some((l) => /is a voting member/.test(l)), lines.join(""));
    }, "etcdup-join-steps-");
  } finally {
    await api.close();
    await c.close();
  }
});
