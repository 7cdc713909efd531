/**
 * `--no-start` on a live (container) host: everything written and the unit enabled, etcd left stopped;
 * the next plain run starts it and proves it healthy. The hardened unit's exposure, as systemd rates it,
 * stays low.
 */
import assert from "node:assert/strict";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { Container } from "../e2e/harness/container.ts";
import { etcdupUnderTest } from "../e2e/harness/etcdup.ts";
import { Network } from "../e2e/harness/network.ts";

Deno.test("install --no-start enables but does not start; the next run starts it healthy", async () => {
  const etcdup = await etcdupUnderTest();
  const fx = await etcdFixture("sid");
  const net = await Network.create("10.92.0");
  let ct: Container | undefined;
  try {
    const host = await net.addHost();
    ct = await Container.boot({ name: "nostart", netns: host.netns, binds: etcdup.binds });
    await ct.copyIn(fx.tarball, "/root/etcd.tar.gz");
    const args = [
      "install",
      "--tarball",
      "/root/etcd.tar.gz",
      "--version",
      fx.version,
      "--sha256",
      fx.sha256,
    ];
    const first = await etcdup.run(ct, [...args, "--no-start"], { timeoutMs: 180_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /installed \(not started\)/);
    assert.equal((await ct.exec(["systemctl", "is-enabled", "etcd"])).stdout.trim(), "enabled");
    assert.equal((await ct.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "inactive");

    const second = await etcdup.run(ct, args, { timeoutMs: 180_000 });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /starting etcd\.service/);
    assert.match(second.stdout, /healthy at https:\/\/127\.0\.0\.1:2379/);
    assert.equal((await ct.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "active");

    const security = await ct.exec(["systemd-analyze", "security", "--no-pager", "etcd.service"]);
    const score = Number(
      /Overall exposure level for etcd\.service: (\d+(\.\d+)?)/.exec(security.stdout)?.[1],
    );
    console.log(`systemd-analyze security etcd.service: ${score}`);
    assert.ok(score > 0 && score <= 3, `exposure ${score}:\n${security.stdout}`);
  } finally {
    await ct?.destroy();
    await net.destroy();
  }
});
