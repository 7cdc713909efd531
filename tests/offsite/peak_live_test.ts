/**
 * Issue 17's bound for the whole off-host backup: `etcdup backup --encrypt-to R --upload s3://...` run
 * exactly as shipped under GNU time (tests/support/peak_rss.ts) beside a real loopback etcd holding about
 * {@link FILL_MIB} MiB of live data, uploading to s3rver: snapshot, read-back, encryption, the leader check
 * (the member API client), the streamed upload and the bucket's retention, peak under 96 MiB (the smaller
 * of two runs). rclone then finds the encrypted snapshot and its record in the bucket.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RSS_TARGET_MIB } from "../../bench/support/report.ts";
import { etcdupPeakMiB, lowerOfTwo, skipWithoutGnuTime } from "../support/peak_rss.ts";
import { fill, FILL_MIB } from "../support/live_fill.ts";
import { startS3rver } from "../support/s3rver.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { BACKUP_DIR, backupTree } from "../backup/snapshots.ts";
import { encryptedUploadArgs, rclone } from "./helpers.ts";

Deno.test(`backup --encrypt-to --upload beside a live etcd peaks under ${RSS_TARGET_MIB} MiB`, async () => {
  if (skipWithoutGnuTime()) return;
  const c = await startLocalCluster(1);
  const s3 = await startS3rver(["live"]);
  const work = await Deno.makeTempDir({ prefix: "etcdup-peak-live-upload-" });
  try {
    await fill(c);
    const tree = path.join(work, "tree");
    fs.mkdirSync(tree);
    const { host } = backupTree(c, tree);
    const args = await encryptedUploadArgs(s3, work, tree, "s3://live/etcd");
    const peak = await lowerOfTwo(() => etcdupPeakMiB(work, args));
    const sealed = fs.readdirSync(host.resolve(BACKUP_DIR)).filter((n) => n.endsWith(".db.age"));
    assert.ok(sealed.length > 0, "backup wrote an encrypted snapshot");
    const size = fs.statSync(host.resolve(`${BACKUP_DIR}/${sealed.sort().at(-1)}`)).size / 1024 ** 2;
    assert.ok(size > FILL_MIB, `the snapshot holds the live data (${size.toFixed(1)} MiB)`);
    const listed = (await rclone(s3, work, ["lsf", "-R", "--files-only", "T:live/etcd"])).trim().split("\n");
    assert.ok(listed.some((n) => n.endsWith(".db.age")), `the bucket holds the snapshot: ${listed}`);
    assert.ok(listed.some((n) => n.endsWith(".db.age.json")), `and its record: ${listed}`);
    console.log(
      `peak RSS beside etcd (${size.toFixed(0)} MiB snapshot): backup --encrypt-to --upload ${
        peak.toFixed(1)
      } MiB`,
    );
    assert.ok(peak < RSS_TARGET_MIB, `backup --encrypt-to --upload peaked at ${peak.toFixed(1)} MiB`);
  } finally {
    await s3.stop();
    await c.close();
    await Deno.remove(work, { recursive: true });
  }
});
