/**
 * `backup --dry-run` and `restore --dry-run` against real runs. Backup: a loopback etcd installed in a
 * --root tree whose backup dir holds crafted snapshots of this member (and another member's, and a
 * record-less look-alike) aged so that retention prunes some; the dry run changes no byte of the tree, and
 * the snapshots it lists to remove are exactly those the run then removes. Restore: a real snapshot restored
 * into an installed --root tree; the dry run changes no byte, and names the data dir the run restores into
 * and the aside path it uses (exactly so when an unfinished restore recorded it; by the same rule otherwise).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import type { BackupPlan } from "../../lib/backup/plan.ts";
import type { RestorePlan } from "../../lib/backup/restore_plan.ts";
import { RESTORE_MARKER, type RestoreMarker } from "../../lib/backup/marker.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { inTempDir } from "../release/helpers.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { installArgs, lastJson, runEtcdup, treeOf } from "../support/root_tree.ts";
import { BACKUP_DIR as DIR, backupTree, craftSnapshot, realSnapshot } from "./snapshots.ts";

const own = { uid: 0, gid: 0, mode: 0o600 };

/** Every path under `root` with its type, owner, mode and, for files, the SHA-256 of its bytes. */
function bytesOf(root: string): Record<string, string> {
  const tree = treeOf(root);
  for (const p of Object.keys(tree)) {
    if (tree[p].startsWith("file ")) {
      tree[p] += ` ${createHash("sha256").update(fs.readFileSync(path.join(root, p))).digest("hex")}`;
    }
  }
  return tree;
}

/** A crafted snapshot of `member` taken `hours` before now, with etcdup's record unless `record` is false. */
const crafted = (host: HostRoot, member: string, hours: number, record = true) =>
  craftSnapshot(host, member, new Date(Date.now() - hours * 3600_000), record);

Deno.test("backup --dry-run: no byte changes, and its list of snapshots to remove is what the run removes", async () => {
  const c = await startLocalCluster(1);
  try {
    await inTempDir(async (root) => {
      const { host, state } = backupTree(c, root);
      const ages = [24, 25, 48, 72, 24 * 9];
      const mine = ages.map((h) => crafted(host, state.name, h));
      const other = crafted(host, "n9", 48);
      const lookalike = crafted(host, state.name, 96, false);
      const flags = [
        "--root",
        root,
        "--json",
        "--keep-hourly",
        "0",
        "--keep-daily",
        "2",
        "--keep-weekly",
        "0",
      ];

      const before = bytesOf(root);
      const dry = await runEtcdup(["backup", "--dry-run", ...flags]);
      assert.equal(dry.code, 0, dry.stdout + dry.stderr);
      assert.deepEqual(bytesOf(root), before, "the dry run wrote nothing");
      const { plan } = lastJson(dry.stdout).result as { plan: BackupPlan };
      const prune = plan.prune.map((e) => e.path);
      assert.ok(
        prune.includes(mine[2]) && prune.includes(mine[3]) && prune.includes(mine[4]),
        prune.join("\n"),
      );
      assert.ok(!prune.includes(mine[0]), "yesterday's newest is kept by --keep-daily 2");
      assert.deepEqual(plan.untouched.map((e) => e.path).sort(), [other, lookalike].sort());
      assert.equal(plan.keep[0].path, plan.snapshot.path, "the new snapshot counted, as the newest");

      const run = await runEtcdup(["backup", ...flags]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const done = lastJson(run.stdout).result as { file: string; pruned: string[] };
      assert.deepEqual(done.pruned, prune, "the run removed exactly what the dry run listed");
      const left = fs.readdirSync(host.resolve(DIR)).filter((f) => /\.db$/.test(f)).map((f) => `${DIR}/${f}`);
      const kept = plan.keep.filter((e) => e.path !== plan.snapshot.path).map((e) => e.path);
      assert.deepEqual(left.sort(), [...kept, other, lookalike, done.file].sort());
    });
  } finally {
    await c.close();
  }
});

Deno.test("restore --dry-run: no byte changes, and it names the data dir and aside path the run uses", async () => {
  const fx = await etcdFixture("sid");
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-restore-dry-" });
  try {
    const snapshot = await realSnapshot(tmp);
    const root = path.join(tmp, "root");
    await Deno.mkdir(root);
    const host = new HostRoot(root);
    const install = await runEtcdup(installArgs(root, fx, "-q"));
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const data = readState(host)!.dataDir;
    host.writeAtomic(`${data}/original`, "old data", own);
    const restore = (...extra: string[]) =>
      runEtcdup(["restore", snapshot, "--root", root, "--json", ...extra]);
    const dryRun = async (): Promise<RestorePlan & { revision?: number }> => {
      const before = bytesOf(root);
      const r = await restore("--dry-run");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(bytesOf(root), before, "the dry run changed nothing");
      const got = lastJson(r.stdout).result as { plan: RestorePlan; revision: number };
      return { ...got.plan, revision: got.revision };
    };
    type Done = { dataDir: string; oldDataDir?: string; clusterToken: string; snapshotRevision: number };
    const apply = async (): Promise<Done> => {
      const r = await restore();
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return lastJson(r.stdout).result as Done;
    };

    // a new restore: the names follow from the time (second resolution), so the run's match by the same rule
    const plan = await dryRun();
    assert.equal(plan.target, data);
    assert.equal(plan.resume, false);
    assert.match(plan.names.aside, new RegExp(`^${data}\\.before-restore-\\d{8}T\\d{6}Z$`));
    assert.match(plan.verify[0], /SHA-256 [0-9a-f]{64}; no record snap\.db\.json beside it \(read now\)/);
    const done = await apply();
    assert.equal(done.dataDir, plan.target);
    assert.match(done.oldDataDir!, new RegExp(`^${data}\\.before-restore-\\d{8}T\\d{6}Z$`));
    assert.equal(done.snapshotRevision, plan.revision, "the revision the dry run read is the one restored");
    assert.equal(host.readText(`${done.oldDataDir}/original`), "old data");

    // an unfinished restore (killed while building the new data dir): the dry run names its aside exactly
    const stamp = "20261201T000001Z";
    const m: RestoreMarker = {
      schema: 1,
      file: snapshot,
      sha256: (await execOk(["sha256sum", snapshot])).split(" ")[0],
      revision: plan.revision!,
      clusterToken: `etcd-restore-${stamp.toLowerCase()}`,
      aside: `${data}.before-restore-${stamp}`,
      staging: `${data}.restore-${stamp}`,
      hadDataDir: true,
      startedAt: new Date().toISOString(),
    };
    host.writeAtomic(RESTORE_MARKER, JSON.stringify(m), own);
    host.ensureDir(`${m.staging}/member`, { uid: 0, gid: 0, mode: 0o700 });
    const resumed = await dryRun();
    assert.equal(resumed.resume, true);
    assert.deepEqual(
      [resumed.names.aside, resumed.names.staging, resumed.names.clusterToken],
      [m.aside, m.staging, m.clusterToken],
    );
    const finished = await apply();
    assert.deepEqual([finished.oldDataDir, finished.clusterToken], [
      resumed.names.aside,
      resumed.names.clusterToken,
    ]);
    assert.equal(host.stat(RESTORE_MARKER), undefined);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
