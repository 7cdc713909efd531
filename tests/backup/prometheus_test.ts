/**
 * `etcdup backup --prometheus FILE` (what the backup timer runs when `--metrics-textfile-dir` is set): a real
 * backup of loopback etcd writes the textfile the `EtcdBackupStale` alert reads, atomically and root 0644,
 * with the snapshot's revision; a path that is no textfile is refused before any snapshot is taken.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { inTempDir } from "../release/helpers.ts";
import { lastJson, runEtcdup } from "../support/root_tree.ts";
import { BACKUP_DIR, backupTree } from "./snapshots.ts";

Deno.test("backup --prometheus writes the metrics EtcdBackupStale reads; a bad path is refused first", async () => {
  const c = await startLocalCluster(1);
  try {
    await inTempDir(async (root) => {
      const { host } = backupTree(c, root);
      const textfiles = path.join(root, "textfile");
      fs.mkdirSync(textfiles);
      const prom = path.join(textfiles, "etcdup-backup.prom");
      const bad = await runEtcdup(["backup", "--root", root, "--json", "--prometheus", `${prom}.txt`]);
      assert.equal(bad.code, 2, bad.stdout + bad.stderr);
      assert.equal(lastJson(bad.stdout).code, "bad-textfile");
      assert.equal(host.exists(BACKUP_DIR) ? fs.readdirSync(host.resolve(BACKUP_DIR)).length : 0, 0);

      const before = Math.floor(Date.now() / 1000);
      const r = await runEtcdup(["backup", "--root", root, "--json", "--prometheus", prom]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const result = lastJson(r.stdout).result as { record: { status: { revision: number } } };
      const revision = result.record.status.revision;
      const text = fs.readFileSync(prom, "utf8");
      const when = Number(text.match(/^etcdup_backup_last_success_timestamp_seconds (\d+)$/m)?.[1]);
      assert.ok(when >= before && when <= Date.now() / 1000 + 1, text);
      assert.match(text, new RegExp(`^etcdup_backup_last_revision ${revision}$`, "m"));
      assert.equal(fs.statSync(prom).mode & 0o777, 0o644);
      assert.deepEqual(fs.readdirSync(textfiles), ["etcdup-backup.prom"], "no temp file left");
    });
  } finally {
    await c.close();
  }
});
