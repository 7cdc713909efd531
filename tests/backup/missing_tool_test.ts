/**
 * backup and restore run the installed etcdctl/etcdutl; one removed by hand made them end in an `internal`
 * error (exit 1, "this is a bug"). Now `etcd-tool-missing` (exit 7) naming the file and the fix, and
 * nothing written. On a fake install under --root that has etcd but not etcdctl or etcdutl.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { inFakeInstall } from "../daytwo/fixtures.ts";
import { lastJson, runEtcdup } from "../support/root_tree.ts";

Deno.test("backup and restore without etcdctl/etcdutl: etcd-tool-missing (exit 7), nothing written", () =>
  inFakeInstall({ "/usr/local/bin/etcd": ["etcd", 0o755] }, {}, async ({ root, host }) => {
    const snap = path.join(root, "snap.db");
    fs.writeFileSync(snap, "not read");
    for (const args of [["backup"], ["restore", snap]]) {
      const r = await runEtcdup([...args, "--root", root, "--json"]);
      assert.equal(r.code, 7, r.stdout + r.stderr);
      assert.equal(lastJson(r.stdout).code, "etcd-tool-missing", r.stdout);
      assert.match(r.stdout, /usr\/local\/bin\/etcd(ctl|utl)/);
    }
    assert.deepEqual(fs.readdirSync(host.resolve("/var/backups/etcd")).filter((f) => f.endsWith(".db")), []);
    assert.equal(host.stat("/var/lib/etcdup/restore.json"), undefined);
  }));
