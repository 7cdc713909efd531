/**
 * When etcd does not become healthy, install says why: exit 4, the journal's last lines, and a likely fix.
 * Real systemd container in a private network namespace; the member's peer is listed in --initial-cluster
 * but never started, so etcd waits for a quorum that never comes.
 */
import assert from "node:assert/strict";
import { withFixtureNode } from "../support/fixture_node.ts";

Deno.test("install: a member that cannot become healthy exits 4 with the journal tail and the likely fix", async () => {
  await withFixtureNode(
    { name: "unhealthy", hostname: "lonely", prefix: "10.91.0" },
    async ({ etcdup, ct, net, host, install }) => {
      const cluster = `lonely=https://${host.address}:2380,ghost=https://${net.prefix}.250:2380`;
      const r = await etcdup.run(ct, [...install, "--initial-cluster", cluster, "--health-timeout", "8"], {
        timeoutMs: 180_000,
      });
      assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
      assert.match(r.stderr, /last lines of 'journalctl -u etcd\.service'/);
      assert.match(r.stderr, /etcd\[\d+\]/, "journal lines of etcd itself");
      assert.match(r.stderr, /error: etcd was installed but is not healthy/);
      assert.match(r.stderr, /hint: The other members of --initial-cluster are not up/);
      assert.equal((await ct.exec(["systemctl", "is-enabled", "etcd"])).stdout.trim(), "enabled");
    },
  );
});
