/**
 * `restore FILE` checks FILE's digest, then etcdutl reads FILE by its path: whoever can write FILE, its record
 * or its directory could swap it in between. Such a FILE is refused (exit 7, `snapshot-not-root-only`) with
 * nothing changed: a file owned by another uid (65534), a root file writable by others, a record owned by
 * another uid, a directory others may write without the sticky bit, a link in such a directory to a good
 * file. A root-only file in a sticky directory is restored. Real snapshot, real 3.5 install under --root.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import { RESTORE_MARKER } from "../../lib/backup/marker.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { installArgs, lastJson, runEtcdup } from "../support/root_tree.ts";
import { realSnapshot } from "./snapshots.ts";

Deno.test("restore of a snapshot another user could swap: refused (exit 7, snapshot-not-root-only)", async () => {
  const fx = await etcdFixture("sid");
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-root-only-" });
  try {
    const root = path.join(tmp, "root");
    fs.mkdirSync(root);
    const install = await runEtcdup(installArgs(root, fx));
    assert.equal(install.code, 0, install.stderr);
    const host = new HostRoot(root);
    const state = readState(host)!;
    fs.writeFileSync(host.resolve(`${state.dataDir}/marker`), "old data");
    const snaps = path.join(tmp, "snaps");
    fs.mkdirSync(snaps, { mode: 0o755 });
    const snapshot = await realSnapshot(snaps);
    fs.chmodSync(snapshot, 0o600);
    const restore = (file: string) => runEtcdup(["restore", file, "--root", root, "--json"]);
    const refused = async (file: string, why: RegExp) => {
      const r = await restore(file);
      assert.equal(r.code, 7, r.stdout + r.stderr);
      const err = lastJson(r.stdout) as { code?: string; message?: string; hint?: string };
      assert.equal(err.code, "snapshot-not-root-only", r.stdout);
      assert.match(err.message ?? "", why);
      assert.match(err.hint ?? "", /directory only root can write/);
      assert.equal(fs.readFileSync(host.resolve(`${state.dataDir}/marker`), "utf8"), "old data");
      assert.equal(host.stat(RESTORE_MARKER), undefined, "no restore began");
    };

    fs.chownSync(snapshot, 65534, 65534);
    await refused(snapshot, /owned by uid 65534, not root/);
    fs.chownSync(snapshot, 0, 0);
    fs.chmodSync(snapshot, 0o666);
    await refused(snapshot, /writable by others/);
    fs.chmodSync(snapshot, 0o600);
    fs.writeFileSync(`${snapshot}.json`, "{}", { mode: 0o600 });
    fs.chownSync(`${snapshot}.json`, 65534, 65534);
    await refused(snapshot, /snap\.db\.json could be replaced .*owned by uid 65534/);
    fs.rmSync(`${snapshot}.json`);
    fs.chmodSync(snaps, 0o777);
    await refused(snapshot, /writable by others without the sticky bit/);
    fs.chmodSync(snaps, 0o755);
    fs.chownSync(snaps, 65534, 65534);
    await refused(snapshot, /snaps could be replaced .*owned by uid 65534/);
    fs.chownSync(snaps, 0, 0);
    const open = path.join(tmp, "open");
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    fs.symlinkSync(snapshot, path.join(open, "link.db"));
    await refused(path.join(open, "link.db"), /open could be replaced .*without the sticky bit/);

    fs.chmodSync(snaps, 0o1777);
    const r = await restore(snapshot);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
