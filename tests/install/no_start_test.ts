/**
 * `--no-start` on a live (container) host: everything written and the unit enabled, etcd left stopped;
 * the next plain run starts it and proves it healthy. The hardened unit's exposure, as systemd rates it,
 * stays low.
 */
import assert from "node:assert/strict";
import { withFixtureNode } from "../support/fixture_node.ts";

Deno.test("install --no-start enables but does not start; the next run starts it healthy", async () => {
  await withFixtureNode({ name: "nostart", prefix: "10.92.0" }, async ({ etcdup, ct, install }) => {
    const first = await etcdup.run(ct, [...install, "--no-start"], { timeoutMs: 180_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /installed \(not started\)/);
    assert.equal((await ct.exec(["systemctl", "is-enabled", "etcd"])).stdout.trim(), "enabled");
    assert.equal((await ct.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "inactive");

    const second = await etcdup.run(ct, install, { timeoutMs: 180_000 });
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
  });
});
