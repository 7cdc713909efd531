/**
 * Only the leader uploads, on a real three-member etcd cluster on loopback (the sid fixture, mutual TLS):
 * `etcdup backup --upload` run as the CLI for each member's --root tree puts exactly one snapshot in s3rver,
 * the leader's, as rclone lists it; the followers keep theirs and say, in --json and in text, that they
 * left the upload to the leader; after etcd's move-leader the new leader uploads the next one. A member
 * that knows no leader (quorum lost) uploads nothing and fails visibly (exit 4, `upload-leader-unknown`),
 * its local snapshot kept.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { Exit } from "../../lib/errors.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { type LocalCluster, startLocalCluster } from "../cluster/local_cluster.ts";
import { backupTree } from "../backup/snapshots.ts";
import { execOk } from "../support/exec.ts";
import { runEtcdup } from "../support/root_tree.ts";
import { startS3rver, type TestS3 } from "../support/s3rver.ts";
import { waitUntil } from "../support/wait.ts";
import { rclone } from "./helpers.ts";

/** The `--json` events of one run (stdout and stderr), by kind. */
function events(r: { stdout: string; stderr: string }) {
  const all = `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l)
  );
  return {
    result: all.find((e) => e.event === "result")?.result as {
      file: string;
      upload?: { skipped?: string; leader?: string; uploaded?: { key: string }; remotePruned: string[] };
    },
    error: all.find((e) => e.event === "error") as
      | { code: string; exit: number; message: string }
      | undefined,
  };
}

/** The index of the member every running member names as leader, once they agree on one. */
async function agreedLeader(c: LocalCluster, running: number[]): Promise<number> {
  const api = new ClusterApi(c.tls);
  try {
    return await waitUntil(
      async () => {
        const s = await Promise.all(
          running.map((i) => api.status(c.members[i].clientUrl).catch(() => undefined)),
        );
        const leader = s[0]?.leader;
        if (!leader || leader === "0" || s.some((x) => x?.leader !== leader)) return undefined;
        const at = s.findIndex((x) => x?.memberId === leader);
        return at < 0 ? undefined : running[at];
      },
      30_000,
      "the members to agree on a leader",
      100,
    );
  } finally {
    await api.close();
  }
}

/** The snapshot objects (not records) rclone lists in the bucket. */
async function bucketSnapshots(s3: TestS3, dir: string): Promise<string[]> {
  const listed = await rclone(s3, dir, ["lsf", "-R", "--files-only", "T:cluster"]);
  return listed.split("\n").filter((l) => l.endsWith(".db"));
}

Deno.test("a 3-member cluster: only the leader uploads, followers keep theirs and say so; after move-leader the new leader does; no leader: exit 4, kept", async () => {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    console.warn("skipped: the etcd fixture is amd64 Linux");
    return;
  }
  const c = await startLocalCluster(3);
  let s3: TestS3 | undefined;
  const dir = await Deno.makeTempDir({ prefix: "etcdup-offsite-leader-" });
  try {
    s3 = await startS3rver(["cluster"]);
    const trees: { root: string; host: HostRoot }[] = c.members.map((m) => {
      const root = path.join(dir, m.name);
      fs.mkdirSync(root);
      return { root, host: backupTree(c, root, m).host };
    });
    const creds = path.join(dir, "s3.ini");
    fs.writeFileSync(
      creds,
      `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const backup = (i: number, json = true) =>
      runEtcdup([
        "backup",
        "--root",
        trees[i].root,
        ...(json ? ["--json"] : []),
        "--upload",
        "s3://cluster/etcd/prod",
        "--s3-endpoint",
        s3!.endpoint,
        "--s3-credentials",
        creds,
        // the bucket keeps only the newest, so what is there after a run is that run's upload
        "--keep-hourly",
        "0",
        "--keep-daily",
        "0",
        "--keep-weekly",
        "0",
      ]);
    const name = (i: number) => c.members[i].name;
    const all = [0, 1, 2];

    // Round 1: each member backs up; only the leader's snapshot lands in the bucket.
    const leader = await agreedLeader(c, all);
    const followers = all.filter((i) => i !== leader);
    let uploadedKey = "";
    for (const i of all) {
      const r = await backup(i);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const { result } = events(r);
      assert.ok(trees[i].host.exists(result.file), `${name(i)} keeps its local snapshot ${result.file}`);
      if (i === leader) {
        assert.ok(result.upload?.uploaded, `the leader ${name(i)} uploads: ${r.stdout}`);
        assert.equal(result.upload.skipped, undefined);
        uploadedKey = result.upload.uploaded.key;
        assert.equal(path.basename(uploadedKey), path.basename(result.file));
      } else {
        assert.equal(result.upload?.uploaded, undefined, `${name(i)} follows and must not upload`);
        assert.equal(result.upload?.leader, name(leader));
        assert.equal(result.upload?.skipped, `left to the leader ${name(leader)}: ${name(i)} follows`);
      }
    }
    assert.deepEqual(await bucketSnapshots(s3, dir), [uploadedKey]);
    assert.match(uploadedKey, new RegExp(`-${name(leader)}-`));
    const text = await backup(followers[0], false);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(
      text.stdout + text.stderr,
      new RegExp(`not uploaded \\(left to the leader ${name(leader)}: `),
    );
    assert.equal(
      (await bucketSnapshots(s3, dir)).length,
      1,
      "the follower's text run uploaded nothing either",
    );

    // Round 2: leadership moves to a follower (etcdctl move-leader); the new leader uploads the next one.
    const target = followers[1];
    const api = new ClusterApi(c.tls);
    const targetId = BigInt((await api.status(c.members[target].clientUrl)).memberId).toString(16);
    await api.close();
    await execOk([
      c.etcdctlBin,
      `--endpoints=${c.members[leader].clientUrl}`,
      `--cacert=${c.tls.caFile}`,
      `--cert=${c.tls.certFile}`,
      `--key=${c.tls.keyFile}`,
      "move-leader",
      targetId,
    ]);
    assert.equal(await agreedLeader(c, all), target);
    const old = events(await backup(leader));
    assert.equal(old.result.upload?.uploaded, undefined, "the old leader follows now");
    assert.equal(old.result.upload?.leader, name(target));
    const next = await backup(target);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    const moved = events(next).result;
    assert.match(moved.upload!.uploaded!.key, new RegExp(`-${name(target)}-`));
    assert.deepEqual(
      moved.upload!.remotePruned,
      [uploadedKey],
      "the bucket's retention pruned the older one",
    );
    assert.deepEqual(await bucketSnapshots(s3, dir), [moved.upload!.uploaded!.key]);

    // Round 3: two members gone, the last knows no leader: no upload, the run fails visibly, the snapshot stays.
    const alone = followers[0];
    for (const i of all.filter((i) => i !== alone)) await c.kill(c.members[i]);
    const last = new ClusterApi(c.tls);
    try {
      await waitUntil(
        async () => (await last.status(c.members[alone].clientUrl)).leader === "0" || undefined,
        30_000,
        `${name(alone)} to notice it has no leader`,
        100,
      );
    } finally {
      await last.close();
    }
    const lost = await backup(alone);
    const { result, error } = events(lost);
    assert.deepEqual([lost.code, error?.code, error?.exit], [
      Exit.health,
      "upload-leader-unknown",
      Exit.health,
    ], lost.stdout + lost.stderr);
    assert.match(error!.message, /knows no leader.*the local snapshot .* is kept/);
    assert.ok(trees[alone].host.exists(result.file), "the local snapshot is kept");
    assert.equal(result.upload, undefined);
    assert.deepEqual(
      await bucketSnapshots(s3, dir),
      [moved.upload!.uploaded!.key],
      "the bucket is unchanged",
    );
  } finally {
    await s3?.stop();
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});
