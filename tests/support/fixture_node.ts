/**
 * One e2e node for install tests: a booted systemd container alone on a private network, with the `sid`
 * fixture etcd tarball copied in and the install arguments that use it. Everything is torn down afterwards.
 */
import { type EtcdFixture, etcdFixture } from "./etcd_fixtures.ts";
import { Container } from "../e2e/harness/container.ts";
import { type EtcdupUnderTest, etcdupUnderTest } from "../e2e/harness/etcdup.ts";
import { Network, type NetworkHost } from "../e2e/harness/network.ts";

/** Where the fixture tarball lies inside the container. */
export const NODE_TARBALL = "/root/etcd.tar.gz";

/** What {@link withFixtureNode} hands to the test body. */
export interface FixtureNode {
  etcdup: EtcdupUnderTest;
  fx: EtcdFixture;
  net: Network;
  host: NetworkHost;
  ct: Container;
  /** `install --tarball NODE_TARBALL --version V --sha256 H`: an air-gapped install of the fixture. */
  install: string[];
}

/**
 * Boots container `name` (host name `hostname`) on a new network `prefix`.0/24, runs `body`, and destroys
 * container and network whatever happens.
 * @example await withFixtureNode({ name: "nostart", prefix: "10.92.0" }, async ({ etcdup, ct, install }) => {...});
 */
export async function withFixtureNode(
  opts: { name: string; hostname?: string; prefix: string },
  body: (node: FixtureNode) => Promise<void>,
): Promise<void> {
  const etcdup = await etcdupUnderTest();
  const fx = await etcdFixture("sid");
  const net = await Network.create(opts.prefix);
  let ct: Container | undefined;
  try {
    const host = await net.addHost();
    ct = await Container.boot({
      name: opts.name,
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      netns: host.netns,
      binds: etcdup.binds,
    });
    await ct.copyIn(fx.tarball, NODE_TARBALL);
    const install = ["install", "--tarball", NODE_TARBALL, "--version", fx.version, "--sha256", fx.sha256];
    await body({ etcdup, fx, net, host, ct, install });
  } finally {
    await ct?.destroy();
    await net.destroy();
  }
}
