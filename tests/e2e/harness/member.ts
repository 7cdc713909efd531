/**
 * Booting the machines of a cluster test: one systemd container per host of a test network, holding the
 * release tarball the members install from. The cluster, recovery and whole-cluster-restore tests all start
 * this way.
 */
import { type Bind, Container } from "./container.ts";
import type { EtcdNode } from "./etcdctl.ts";
import type { Network, NetworkHost } from "./network.ts";

/** A booted machine on a host of the test network, ready to become the etcd member `name`. */
export interface MemberNode extends EtcdNode {
  host: NetworkHost;
}

/** What every machine of one test gets. */
export interface MemberSetup {
  /** The bind mounts etcdup runs from (etcdupUnderTest().binds). */
  binds: readonly Bind[];
  /** The fixture tarball on the host, and where the members find it. */
  tarball: { from: string; to: string };
  /** Every container booted, for the test's `finally` to destroy (pushed as soon as it is up). */
  booted: Container[];
}

/**
 * Boots the container `label` (a unique container name within the test) with hostname `name` in `host`'s
 * namespace and copies the release tarball in.
 */
export async function bootMember(
  setup: MemberSetup,
  host: NetworkHost,
  name: string,
  label = name,
): Promise<MemberNode> {
  const ct = await Container.boot({ name: label, hostname: name, netns: host.netns, binds: setup.binds });
  setup.booted.push(ct);
  await ct.copyIn(setup.tarball.from, setup.tarball.to);
  return { ct, host, name, clientUrl: `https://${host.address}:2379` };
}

/** `count` new hosts of `net`, in address order (addHost numbers them in call order, not completion order). */
export async function addHosts(net: Network, count: number): Promise<NetworkHost[]> {
  const hosts = await Promise.all(Array.from({ length: count }, () => net.addHost()));
  return hosts.sort((a, b) => a.address.localeCompare(b.address, "en", { numeric: true }));
}
