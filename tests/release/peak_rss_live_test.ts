/**
 * Issue 17's bound for the commands that run beside a live etcd: `backup` (the backup timer), `maintain`
 * (the maintain timer) and `restore`, each run exactly as shipped under GNU time against a real loopback
 * etcd (tests/cluster/local_cluster.ts) holding about {@link FILL_MIB} MiB of live data, peak under 96 MiB.
 * GNU time's %M is the largest resident set among etcdup and the children it waited for (etcdctl snapshot
 * save, etcdutl snapshot status and restore): the whole cost on the host. `certs renew` (the certs timer) is
 * in peak_rss_test.ts. Each figure is the smaller of two runs (tests/support/peak_rss.ts).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RSS_TARGET_MIB } from "../../bench/support/report.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { fill, FILL_MIB } from "../support/live_fill.ts";
import { etcdupPeakMiB, installedRoot, lowerOfTwo, skipWithoutGnuTime } from "../support/peak_rss.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { BACKUP_DIR, backupTree } from "../backup/snapshots.ts";
import { inTempDir } from "./helpers.ts";

Deno.test(`backup, maintain and restore beside a live etcd peak under ${RSS_TARGET_MIB} MiB`, async () => {
  if (skipWithoutGnuTime()) return;
  const fx = await etcdFixture("sid");
  const c = await startLocalCluster(1);
  try {
    await fill(c);
    await inTempDir(async (work) => {
      const tree = path.join(work, "tree");
      fs.mkdirSync(tree);
      const { host } = backupTree(c, tree);
      // maintain reads the quota from etcd's env file; 2 GiB is etcd's default
      host.ensureDir("/etc/default", { uid: 0, gid: 0, mode: 0o755 });
      host.writeAtomic("/etc/default/etcd", `ETCD_QUOTA_BACKEND_BYTES=${2 * 1024 ** 3}\n`, {
        uid: 0,
        gid: 0,
        mode: 0o644,
      });
      const backup = await lowerOfTwo(() => etcdupPeakMiB(work, ["backup", "--root", tree]));
      const snapshots = fs.readdirSync(host.resolve(BACKUP_DIR)).filter((n) => n.endsWith(".db"));
      assert.ok(snapshots.length > 0, "backup wrote a snapshot (retention keeps the newest of the hour)");
      const snapshot = host.resolve(`${BACKUP_DIR}/${snapshots.sort().at(-1)}`);
      const size = fs.statSync(snapshot).size / 1024 ** 2;
      assert.ok(size > FILL_MIB, `the snapshot holds the live data (${size.toFixed(1)} MiB)`);

      const maintain = await lowerOfTwo(() => etcdupPeakMiB(work, ["maintain", "--root", tree, "--force"]));

      const restore = await lowerOfTwo(async () => {
        const root = await installedRoot(work, fx);
        return await etcdupPeakMiB(work, ["restore", snapshot, "--root", root], root);
      });
      console.log(
        `peak RSS beside etcd (${size.toFixed(0)} MiB snapshot): backup ${backup.toFixed(1)} MiB, ` +
          `maintain --force ${maintain.toFixed(1)} MiB, restore ${restore.toFixed(1)} MiB`,
      );
      assert.ok(backup < RSS_TARGET_MIB, `backup peaked at ${backup.toFixed(1)} MiB`);
      assert.ok(maintain < RSS_TARGET_MIB, `maintain peaked at ${maintain.toFixed(1)} MiB`);
      assert.ok(restore < RSS_TARGET_MIB, `restore peaked at ${restore.toFixed(1)} MiB`);
    }, "etcdup-peak-live-");
  } finally {
    await c.close();
  }
});
