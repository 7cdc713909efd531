/**
 * What install renders for a member of a cluster, read the way etcd reads it: the env file's member and
 * cluster settings for an IPv6 node of a mixed list, and the certificate SANs carrying its own address.
 */
import assert from "node:assert/strict";
import { deriveClusterToken, parseInitialCluster } from "../../lib/plan/cluster.ts";
import { configFiles } from "../../lib/plan/desired.ts";
import type { HostFacts } from "../../lib/facts.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { planFromValues } from "../support/install_options.ts";

const LIST = "n1=https://10.0.0.1:2380,n2=https://[fd00::2]:2380,n3=https://10.0.0.3:2380";
const facts: HostFacts = {
  hostname: "n2",
  addresses: [{ address: "192.168.7.2", family: "IPv4" }, { address: "fd00::2", family: "IPv6" }],
  cpu: "x86_64",
  isRoot: true,
};

/** The env file's variables as a map (values unquoted). */
function envOf(values: Record<string, string>): Map<string, string> {
  const plan = planFromValues(values, facts, "/", () => "v3.5.30");
  const env = configFiles(plan, pkiPaths("etcd")).find((f) => f.path === plan.paths.envFile)!;
  return new Map(
    String(env.content).split("\n").filter((l) => /^ETCD_\w+=/.test(l)).map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1).replace(/^"(.*)"$/, "$1")];
    }),
  );
}

Deno.test("an IPv6 member of a static cluster: bracketed URLs from its own entry, state new, derived token", () => {
  const env = envOf({ name: "n2", "initial-cluster": LIST });
  assert.equal(env.get("ETCD_NAME"), "n2");
  assert.equal(env.get("ETCD_INITIAL_ADVERTISE_PEER_URLS"), "https://[fd00::2]:2380");
  assert.equal(env.get("ETCD_LISTEN_PEER_URLS"), "https://[fd00::2]:2380");
  assert.equal(env.get("ETCD_ADVERTISE_CLIENT_URLS"), "https://[fd00::2]:2379");
  assert.equal(env.get("ETCD_INITIAL_CLUSTER"), LIST);
  assert.equal(env.get("ETCD_INITIAL_CLUSTER_STATE"), "new");
  assert.equal(env.get("ETCD_INITIAL_CLUSTER_TOKEN"), deriveClusterToken(parseInitialCluster(LIST)));
  assert.equal(env.get("ETCD_CLIENT_CERT_AUTH"), "true");
  assert.equal(env.get("ETCD_PEER_CLIENT_CERT_AUTH"), "true");
  assert.equal(
    envOf({ name: "n2", "initial-cluster": LIST, "cluster-token": "prod" }).get("ETCD_INITIAL_CLUSTER_TOKEN"),
    "prod",
  );
});

Deno.test("a member's server and peer certificates are planned for its advertise address", () => {
  const plan = planFromValues({ name: "n2", "initial-cluster": LIST }, facts, "/", () => "v3.5.30");
  assert.equal(plan.member.advertiseAddress, "fd00::2");
  assert.ok(plan.pki.sans.ips.includes("fd00::2"), plan.pki.sans.ips.join(","));
  assert.ok(plan.pki.sans.ips.includes("192.168.7.2"), "every host address too");
});
