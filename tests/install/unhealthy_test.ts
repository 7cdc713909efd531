/**
 * When etcd does not become healthy, install says why: exit 4, the journal's last lines, and a likely fix.
 * Real systemd container in a private network namespace; the member's peer is listed in --initial-cluster
 * but never started, so etcd waits for a quorum that never comes.
 */
import assert from "node:assert/strict";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { Container } from "../e2e/harness/container.ts";
import { etcdupUnderTest } from "../e2e/harness/etcdup.ts";
import { Network } from "../e2e/harness/network.ts";

Deno.test("install: a member that cannot become healthy exits 4 with the journal tail and the likely fix", async () => {
  const etcdup = await etcdupUnderTest();
  const fx = await etcdFixture("sid");
  const net = await Network.create("10.91.0");
  let ct: Container | undefined;
  try {
    const host = await net.addHost();
    ct = await Container.boot({
      name: "unhealthy",
      hostname: "lonely",
      netns: host.netns,
      binds: etcdup.binds,
    });
    await ct.copyIn(fx.tarball, "/root/etcd.tar.gz");
    const cluster = `lonely=https://${host.address}:2380,ghost=https://${net.prefix}.250:2380`;
    const r = await etcdup.run(ct, [
      "install",
      "--tarball",
      "/root/etcd.tar.gz",
      "--version",
      fx.version,
      "--sha256",
      fx.sha256,
      "--initial-cluster",
      cluster,
      "--health-timeout",
      "8",
    ], { timeoutMs: 180_000 });
    assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stderr, /last lines of 'journalctl -u etcd\.service'/);
    assert.match(r.stderr, /etcd\[\d+\]/, "journal lines of etcd itself");
    assert.match(r.stderr, /error: etcd was installed but is not healthy/);
    assert.match(r.stderr, /hint: The other members of --initial-cluster are not up/);
    assert.equal((await ct.exec(["systemctl", "is-enabled", "etcd"])).stdout.trim(), "enabled");
  } finally {
    await ct?.destroy();
    await net.destroy();
  }
});
