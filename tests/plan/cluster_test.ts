/**
 * The initial-cluster list: parsing, errors naming the flag, IPv6 brackets, a token every member derives alike,
 * two lists compared as etcd does (as a set), and the recorded settings kept for a member with data or that
 * joined.
 */
import assert from "node:assert/strict";
import {
  deriveClusterToken,
  formatInitialCluster,
  keepRecordedCluster,
  parseInitialCluster,
  sameInitialCluster,
} from "../../lib/plan/cluster.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { planFromValues } from "../support/install_options.ts";

const usage = (fn: () => unknown, re: RegExp, code: string) =>
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof EtcdupError && e.exit === Exit.usage && e.code === code && re.test(e.message),
  );

Deno.test("cluster: parses, normalizes IPv6 and renders back", () => {
  const m = parseInitialCluster("n1=https://10.0.0.1:2380, n2=https://[FD00::2]:2380");
  assert.deepEqual(m.map((x) => x.host), ["10.0.0.1", "fd00::2"]);
  assert.equal(formatInitialCluster(m), "n1=https://10.0.0.1:2380,n2=https://[fd00::2]:2380");
});

Deno.test("cluster: bad entries are usage errors naming --initial-cluster", () => {
  usage(() => parseInitialCluster("n1"), /--initial-cluster: 'n1' is not name=URL/, "bad-initial-cluster");
  usage(
    () => parseInitialCluster("n1=http://10.0.0.1:2380"),
    /must be https:\/\/IP:PORT/,
    "bad-initial-cluster",
  );
  usage(
    () => parseInitialCluster("n1=https://node1:2380"),
    /must be https:\/\/IP:PORT/,
    "bad-initial-cluster",
  );
  usage(() => parseInitialCluster("n1=https://10.0.0.1"), /must be https:\/\/IP:PORT/, "bad-initial-cluster");
  usage(
    () => parseInitialCluster("n1=https://10.0.0.1:2380,n1=https://10.0.0.2:2380"),
    /listed twice/,
    "bad-initial-cluster",
  );
  usage(() => parseInitialCluster(" , "), /is empty/, "bad-initial-cluster");
});

Deno.test("cluster: the derived token ignores order and changes with the members", () => {
  const a = deriveClusterToken(parseInitialCluster("n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380"));
  const b = deriveClusterToken(parseInitialCluster("n2=https://10.0.0.2:2380,n1=https://10.0.0.1:2380"));
  const c = deriveClusterToken(parseInitialCluster("n1=https://10.0.0.1:2380"));
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^etcd-[0-9a-f]{16}$/);
});

Deno.test("cluster: two initial clusters are the same in any order, not with another member or URL", () => {
  const [a, b, c] = ["a=https://10.0.0.1:2380", "b=https://10.0.0.2:2380", "c=https://10.0.0.3:2380"];
  assert.equal(sameInitialCluster(`${a},${b},${c}`, `${c},${a},${b}`), true);
  assert.equal(sameInitialCluster(`${a},${b}`, `${a},${b},${c}`), false);
  assert.equal(sameInitialCluster(`${a},${b}`, `${a},b=https://10.0.0.9:2380`), false);
});

Deno.test("cluster: a member with data or that joined keeps its recorded initial cluster; others follow the flags", () => {
  const facts = {
    hostname: "n4",
    addresses: [{ address: "10.0.0.4", family: "IPv4" as const }],
    cpu: "x86_64",
  };
  const plan = planFromValues({ name: "n4" }, { ...facts, isRoot: true }, "/", () => "v3.5.30");
  const settings = (p: typeof plan) => ({
    initialCluster: p.member.initialCluster,
    initialClusterState: p.member.initialClusterState,
    clusterToken: p.member.clusterToken,
  });
  const joined = {
    initialCluster: "n1=https://10.0.0.1:2380,n4=https://10.0.0.4:2380",
    initialClusterState: "existing" as const,
    clusterToken: "etcd-0123456789abcdef",
  };
  const bootstrapped = { ...joined, initialClusterState: "new" as const };
  assert.equal(keepRecordedCluster(plan, undefined, true), plan, "nothing recorded: the plan from flags");
  assert.equal(
    keepRecordedCluster(plan, bootstrapped, false),
    plan,
    "not started, not joined: the flags decide",
  );
  for (const [recorded, hasData] of [[joined, false], [joined, true], [bootstrapped, true]] as const) {
    const kept = keepRecordedCluster(plan, recorded, hasData);
    assert.deepEqual(settings(kept), recorded);
    assert.deepEqual(
      { ...kept.member, ...plan.member },
      plan.member,
      "only the initial cluster settings change",
    );
    assert.match(kept.notes.join("\n"), /the initial cluster stays as recorded/);
  }
  assert.equal(keepRecordedCluster(plan, settings(plan), true), plan, "recorded as planned: nothing to say");
});
