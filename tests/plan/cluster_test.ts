/**
 * The initial-cluster list: parsing, errors naming the flag, IPv6 brackets, a token every member derives alike,
 * and a started member's recorded settings kept.
 */
import assert from "node:assert/strict";
import {
  deriveClusterToken,
  formatInitialCluster,
  keepStartedCluster,
  parseInitialCluster,
} from "../../lib/plan/cluster.ts";
import { buildPlan } from "../../lib/plan/build.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

const usage = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof EtcdupError && e.exit === Exit.usage && re.test(e.message));

Deno.test("cluster: parses, normalizes IPv6 and renders back", () => {
  const m = parseInitialCluster("n1=https://10.0.0.1:2380, n2=https://[FD00::2]:2380");
  assert.deepEqual(m.map((x) => x.host), ["10.0.0.1", "fd00::2"]);
  assert.equal(formatInitialCluster(m), "n1=https://10.0.0.1:2380,n2=https://[fd00::2]:2380");
});

Deno.test("cluster: bad entries are usage errors naming --initial-cluster", () => {
  usage(() => parseInitialCluster("n1"), /--initial-cluster: 'n1' is not name=URL/);
  usage(() => parseInitialCluster("n1=http://10.0.0.1:2380"), /must be https:\/\/IP:PORT/);
  usage(() => parseInitialCluster("n1=https://node1:2380"), /must be https:\/\/IP:PORT/);
  usage(() => parseInitialCluster("n1=https://10.0.0.1"), /must be https:\/\/IP:PORT/);
  usage(() => parseInitialCluster("n1=https://10.0.0.1:2380,n1=https://10.0.0.2:2380"), /listed twice/);
  usage(() => parseInitialCluster(" , "), /is empty/);
});

Deno.test("cluster: the derived token ignores order and changes with the members", () => {
  const a = deriveClusterToken(parseInitialCluster("n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380"));
  const b = deriveClusterToken(parseInitialCluster("n2=https://10.0.0.2:2380,n1=https://10.0.0.1:2380"));
  const c = deriveClusterToken(parseInitialCluster("n1=https://10.0.0.1:2380"));
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^etcd-[0-9a-f]{16}$/);
});

Deno.test("cluster: a started member keeps its recorded initial cluster; a new one is planned from flags", () => {
  const facts = {
    hostname: "n4",
    addresses: [{ address: "10.0.0.4", family: "IPv4" as const }],
    cpu: "x86_64",
  };
  const plan = buildPlan({ name: "n4" }, { ...facts, isRoot: true }, "/", () => "v3.5.30");
  const joined = {
    initialCluster: "n1=https://10.0.0.1:2380,n4=https://10.0.0.4:2380",
    initialClusterState: "existing" as const,
    clusterToken: "etcd-0123456789abcdef",
  };
  assert.equal(keepStartedCluster(plan, undefined), plan, "not started: the plan from flags");
  const kept = keepStartedCluster(plan, joined);
  assert.deepEqual(
    {
      initialCluster: kept.member.initialCluster,
      initialClusterState: kept.member.initialClusterState,
      clusterToken: kept.member.clusterToken,
    },
    joined,
  );
  assert.deepEqual(
    { ...kept.member, ...plan.member },
    plan.member,
    "only the initial cluster settings change",
  );
  assert.match(
    kept.notes.join("\n"),
    /already holds a started member: its initial cluster stays as recorded/,
  );
  const same = {
    initialCluster: plan.member.initialCluster,
    initialClusterState: plan.member.initialClusterState,
    clusterToken: plan.member.clusterToken,
  };
  assert.equal(keepStartedCluster(plan, same), plan, "recorded as planned: nothing to say");
});
