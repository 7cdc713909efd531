/**
 * etcd refuses to start an older minor on newer data, so `restore` of a 3.5 snapshot onto a 3.4 member would
 * move the data dir aside and leave a member that never starts. The record beside a snapshot said which
 * version took it, but a snapshot without one (copied, made by hand) or with a lying one went through. The
 * cluster version is now read from the snapshot's own bbolt database (lib/backup/bolt.ts): refused with
 * exit 7 and `snapshot-too-new`, nothing changed. Real 3.5 snapshot, real 3.4 install under --root.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import { clusterVersionOf } from "../../lib/backup/bolt.ts";
import { RESTORE_MARKER } from "../../lib/backup/marker.ts";
import { sha256FileAsync } from "../../lib/host/hash.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { installArgs, lastJson, runEtcdup } from "../support/root_tree.ts";
import { realSnapshot } from "./snapshots.ts";

Deno.test("restore of a 3.5 snapshot onto a 3.4 member: refused (exit 7, snapshot-too-new) with no record or a lying one", async () => {
  const fx = await etcdFixture("bookworm");
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-too-new-" });
  try {
    const snapshot = await realSnapshot(tmp);
    assert.equal(clusterVersionOf(snapshot), "3.5.0", "the database records the cluster version");
    const truncated = path.join(tmp, "truncated.db");
    fs.writeFileSync(truncated, fs.readFileSync(snapshot).subarray(0, 5000));
    assert.equal(clusterVersionOf(truncated), undefined, "a truncated file: no version, no crash");
    assert.equal(clusterVersionOf("/etc/hostname"), undefined);

    const root = path.join(tmp, "root");
    fs.mkdirSync(root);
    const install = await runEtcdup(installArgs(root, fx));
    assert.equal(install.code, 0, install.stderr);
    const host = new HostRoot(root);
    const state = readState(host)!;
    assert.match(state.version, /^v3\.4\./);
    fs.writeFileSync(host.resolve(`${state.dataDir}/marker`), "old data");
    const before = fs.readdirSync(path.dirname(host.resolve(state.dataDir))).sort();

    const lie = {
      schema: 1,
      file: path.basename(snapshot),
      sha256: await sha256FileAsync(snapshot),
      size: fs.statSync(snapshot).size,
      status: { hash: 1, revision: 4, totalKey: 3, totalSize: 20480 },
      verifiedWith: "etcdctl",
      member: "n1",
      etcdVersion: state.version,
      takenAt: new Date().toISOString(),
    };
    for (const record of [undefined, lie]) {
      if (record) fs.writeFileSync(`${snapshot}.json`, JSON.stringify(record));
      const r = await runEtcdup(["restore", snapshot, "--root", root, "--json"]);
      assert.equal(r.code, 7, r.stdout + r.stderr);
      const err = lastJson(r.stdout) as { code?: string; message?: string };
      assert.equal(err.code, "snapshot-too-new", r.stdout);
      assert.match(err.message ?? "", /v3\.5\.0 \(the cluster version its database records\)/);
      assert.equal(fs.readFileSync(host.resolve(`${state.dataDir}/marker`), "utf8"), "old data");
      assert.deepEqual(
        fs.readdirSync(path.dirname(host.resolve(state.dataDir))).sort(),
        before,
        "nothing aside",
      );
      assert.equal(host.stat(RESTORE_MARKER), undefined, "no restore begun");
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
