/** The initial-cluster list: parsing, errors naming the flag, IPv6 brackets, a token every member derives alike. */
import assert from "node:assert/strict";
import { deriveClusterToken, formatInitialCluster, parseInitialCluster } from "../../lib/plan/cluster.ts";
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
