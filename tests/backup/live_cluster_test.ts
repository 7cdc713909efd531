/**
 * Restore's guard against splitting a member off a working cluster: the other members as real etcd lists
 * them (a two-member and a one-member cluster on loopback), and nothing when etcd cannot be asked.
 */
import assert from "node:assert/strict";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { otherMembers } from "../../lib/backup/restore.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";

Deno.test("otherMembers: the rest of a running cluster, none for a single member, undefined when unreachable", async () => {
  for (const n of [2, 1]) {
    const c = await startLocalCluster(n);
    const api = new ClusterApi(c.tls);
    try {
      const names = c.members.map((m) => m.name);
      assert.deepEqual(await otherMembers(api, names[0]), names.slice(1));
      if (n === 1) {
        await c.kill(c.members[0]);
        assert.equal(await otherMembers(api, names[0]), undefined);
      }
    } finally {
      await api.close();
      await c.close();
    }
  }
});
