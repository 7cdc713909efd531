/**
 * Retention prunes only what this member's etcdup wrote: etcdup-named snapshots with etcdup's record naming
 * this member. A snapshot another member wrote (a shared backup dir, or one copied here with its record)
 * and a file named like etcdup's without a record are kept, whatever their age; this member's own old
 * snapshots go. A real backup (planned, then takeBackup) of a loopback etcd into a --root tree.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { planBackup } from "../../lib/backup/plan.ts";
import { takeBackup } from "../../lib/backup/take.ts";
import { observeBackup } from "../../lib/observe/backup.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { inTempDir } from "../release/helpers.ts";
import { BACKUP_DIR as DIR, backupTree, craftSnapshot } from "./snapshots.ts";

/** An old snapshot of `member` in the backup dir (its name), with a well-formed record unless `record` is false. */
function oldSnapshot(host: HostRoot, member: string, hour: number, record = true): string {
  return path.basename(craftSnapshot(host, member, new Date(Date.UTC(2026, 0, 1, hour)), record));
}

Deno.test("retention keeps other members' snapshots and record-less look-alikes; prunes only its own", async () => {
  const c = await startLocalCluster(1);
  try {
    await inTempDir(async (root) => {
      const { host, state } = backupTree(c, root);
      const mine = oldSnapshot(host, state.name, 1);
      const other = oldSnapshot(host, "n2", 2);
      const lookalike = oldSnapshot(host, state.name, 3, false);
      const plan = planBackup(observeBackup(host, state, DIR), {
        policy: { hourly: 0, daily: 0, weekly: 0 },
        recipients: [],
        recordOffsite: false,
      }, new Date());
      const done = await takeBackup(
        host,
        state,
        plan,
        createOutput({ quiet: true, env: {}, write: { stdout: () => {}, stderr: () => {} } }),
      );
      assert.deepEqual(done.pruned, [`${DIR}/${mine}`], "only this member's own old snapshot pruned");
      const left = fs.readdirSync(host.resolve(DIR)).filter((f) => f.endsWith(".db")).sort();
      assert.deepEqual(left, [other, lookalike, path.basename(done.snapshot.path)].sort());
    });
  } finally {
    await c.close();
  }
});
