import assert from "node:assert/strict";
import {
  deriveClusterToken,
  formatInitialCluster,
  formatUrl,
  normalizeUrl,
  parseInitialCluster,
  resolveTopology,
} from "../../lib/cluster/topology.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** Asserts `fn` throws a usage error (exit 2) whose message contains `needle`. */
function assertUsage(fn: () => unknown, needle: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EtcdupError, `not an EtcdupError: ${err}`);
    assert.equal(err.exit, Exit.usage);
    assert.ok(err.message.includes(needle), `'${err.message}' lacks '${needle}'`);
    assert.ok(err.hint, "a usage error names the fix");
    return true;
  });
}

Deno.test("formatUrl brackets IPv6 literals and leaves IPv4 and names alone", () => {
  assert.equal(formatUrl("10.0.0.1", 2380), "https://10.0.0.1:2380");
  assert.equal(formatUrl("fd00::1", 2379), "https://[fd00::1]:2379");
  assert.equal(formatUrl("etcd-1.example", 2379), "https://etcd-1.example:2379");
});

Deno.test("normalizeUrl canonicalises host case, IPv6 form and a trailing slash", () => {
  assert.equal(normalizeUrl("https://[FD00:0:0::1]:2380/", "x"), "https://[fd00::1]:2380");
  assert.equal(normalizeUrl("https://Node1.Example:2380", "x"), "https://node1.example:2380");
  assertUsage(() => normalizeUrl("http://10.0.0.1:2380", "--initial-cluster"), "is not https");
  assertUsage(() => normalizeUrl("https://10.0.0.1", "--initial-cluster"), "explicit port");
  assertUsage(() => normalizeUrl("https://10.0.0.1:2380/x", "--initial-cluster"), "explicit port");
  assertUsage(() => normalizeUrl("https://fd00::1:2380", "--initial-cluster"), "is not a URL");
});

Deno.test("parseInitialCluster keeps order, groups repeated names and names the bad entry", () => {
  const members = parseInitialCluster(
    "n1=https://10.0.0.1:2380,n2=https://[fd00::2]:2380,n1=https://10.0.1.1:2380",
  );
  assert.deepEqual(members, [
    { name: "n1", peerUrls: ["https://10.0.0.1:2380", "https://10.0.1.1:2380"] },
    { name: "n2", peerUrls: ["https://[fd00::2]:2380"] },
  ]);
  assert.equal(
    formatInitialCluster(members),
    "n1=https://10.0.0.1:2380,n1=https://10.0.1.1:2380,n2=https://[fd00::2]:2380",
  );
  assertUsage(() => parseInitialCluster(""), "is empty");
  assertUsage(() => parseInitialCluster("n1=https://10.0.0.1:2380,n2"), "entry 'n2' is not NAME=URL");
  assertUsage(() => parseInitialCluster("=https://10.0.0.1:2380"), "is not NAME=URL");
  assertUsage(() => parseInitialCluster("n 1=https://10.0.0.1:2380"), "not a valid member name");
  assertUsage(() => parseInitialCluster("n1=http://10.0.0.1:2380"), "entry 'n1=http://10.0.0.1:2380'");
  assertUsage(
    () => parseInitialCluster("n1=https://10.0.0.1:2380,n2=https://10.0.0.1:2380/"),
    "listed twice (n1 and n2)",
  );
});

Deno.test("deriveClusterToken is the same for any order of the same list, different for another", () => {
  const a = deriveClusterToken(parseInitialCluster("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380"));
  const b = deriveClusterToken(parseInitialCluster("b=https://10.0.0.2:2380/,a=https://10.0.0.1:2380"));
  const c = deriveClusterToken(parseInitialCluster("a=https://10.0.0.1:2380,b=https://10.0.0.3:2380"));
  assert.match(a, /^etcd-[0-9a-f]{16}$/);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

Deno.test("resolveTopology takes this member's address and peer port from --initial-cluster", () => {
  const t = resolveTopology({
    name: "n2",
    initialCluster: "n1=https://10.0.0.1:2380,n2=https://[fd00::2]:12380,n3=https://10.0.0.3:2380",
    hostAddresses: ["192.168.1.9"],
  });
  assert.equal(t.advertiseAddress, "fd00::2");
  assert.equal(t.peerPort, 12380);
  assert.equal(t.clientPort, 2379);
  assert.deepEqual(t.peerUrls, ["https://[fd00::2]:12380"]);
  assert.deepEqual(t.clientUrls, ["https://[fd00::2]:2379"]);
  assert.equal(t.initialClusterState, "new");
  assert.equal(t.members.length, 3);
  assert.equal(t.clusterToken, deriveClusterToken(t.members));
});

Deno.test("resolveTopology picks the entry matching --advertise-address and rejects a mismatch", () => {
  const list = "n1=https://10.0.0.1:2380,n1=https://10.0.1.1:2380";
  const t = resolveTopology({
    name: "n1",
    initialCluster: list,
    advertiseAddress: "10.0.1.1",
    hostAddresses: [],
  });
  assert.equal(t.advertiseAddress, "10.0.1.1");
  assert.deepEqual(t.peerUrls, ["https://10.0.0.1:2380", "https://10.0.1.1:2380"]);
  assertUsage(
    () =>
      resolveTopology({ name: "n1", initialCluster: list, advertiseAddress: "10.0.2.1", hostAddresses: [] }),
    "does not match --advertise-address 10.0.2.1",
  );
  assertUsage(
    () => resolveTopology({ name: "n1", initialCluster: list, peerPort: 2390, hostAddresses: [] }),
    "--peer-port 2390",
  );
  assertUsage(
    () => resolveTopology({ name: "n9", initialCluster: list, hostAddresses: [] }),
    "does not list this member 'n9'",
  );
});

Deno.test("resolveTopology without --initial-cluster is a one-member cluster on the host's address", () => {
  const t = resolveTopology({ name: "solo", hostAddresses: ["fd00::5", "10.0.0.5"], clientPort: 3379 });
  assert.equal(t.advertiseAddress, "fd00::5");
  assert.equal(t.initialCluster, "solo=https://[fd00::5]:2380");
  assert.deepEqual(t.clientUrls, ["https://[fd00::5]:3379"]);
  const given = resolveTopology({
    name: "solo",
    advertiseAddress: "10.0.0.5",
    clusterToken: "tok-1",
    hostAddresses: [],
  });
  assert.equal(given.initialCluster, "solo=https://10.0.0.5:2380");
  assert.equal(given.clusterToken, "tok-1");
  assertUsage(() => resolveTopology({ name: "solo", hostAddresses: [] }), "no non-loopback address");
  assertUsage(
    () => resolveTopology({ name: "solo", advertiseAddress: "[fd00::1]", hostAddresses: [] }),
    "is not an IPv4 or IPv6 address",
  );
  assertUsage(
    () => resolveTopology({ name: "solo", clusterToken: "a b", hostAddresses: ["10.0.0.1"] }),
    "--cluster-token",
  );
});
