/**
 * `etcdup restore --root` with real etcdutl on a real snapshot (taken from a loopback etcd), and every state a
 * kill can leave a restore in, built by hand and finished by running it again: killed while building the new
 * data dir (the old one still in place), killed after the old one was moved aside (the new one not yet in
 * place), killed after the new one was put in place. The old data dir always survives, the new one always
 * holds the snapshot, and the marker is gone at the end.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { main } from "../../main.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import { RESTORE_MARKER, type RestoreMarker } from "../../lib/backup/marker.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { realSnapshot } from "./snapshots.ts";

Deno.test("restore --root: a real restore, and a restore killed at each step finished by a second run", async () => {
  const fx = await etcdFixture("sid");
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-restore-root-" });
  try {
    const snapshot = await realSnapshot(tmp);
    const root = path.join(tmp, "root");
    await Deno.mkdir(root);
    const host = new HostRoot(root);
    const quiet = { NO_COLOR: "1" };
    assert.equal(
      await main(["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256, "-q"], quiet),
      0,
    );
    const state = readState(host)!;
    const data = state.dataDir;
    const restore = () => main(["restore", snapshot, "--root", root, "-q"], quiet);
    /** The keys etcd's bbolt file in the tree's data dir holds, as etcdutl reads them. */
    const revisionOf = async (dir: string) =>
      JSON.parse(
        await execOk([
          host.resolve(`${state.binDir}/etcdutl`),
          "snapshot",
          "status",
          host.resolve(`${dir}/member/snap/db`),
          "-w",
          "json",
        ]),
      ).revision as number;
    const want = JSON.parse(
      await execOk([host.resolve(`${state.binDir}/etcdutl`), "snapshot", "status", snapshot, "-w", "json"]),
    ).revision as number;
    const asides = () => [...Deno.readDirSync(host.resolve(path.dirname(data)))].map((e) => e.name).sort();

    // a plain restore: the (empty) data dir of the install goes aside, the new one is etcd's
    host.writeAtomic(`${data}/original`, "old data", { uid: 0, gid: 0, mode: 0o600 });
    assert.equal(await restore(), 0);
    assert.equal(await revisionOf(data), want);
    const etcdUid = host.stat(`${data}/member`)!.uid;
    assert.deepEqual([host.stat(data)?.uid, host.stat(data)?.mode], [etcdUid, 0o700]);
    assert.notEqual(etcdUid, 0, "owned by the tree's etcd user");
    const firstAside = asides().find((n) => n.startsWith("etcd.before-restore-"))!;
    assert.equal(host.readText(`${path.dirname(data)}/${firstAside}/original`), "old data");
    assert.equal(host.stat(RESTORE_MARKER), undefined);
    assert.equal(readState(host)?.initialCluster, `${state.name}=${state.peerUrls[0]}`);
    assert.match(readState(host)!.clusterToken, /^etcd-restore-\d{8}t\d{6}z$/);
    assert.match(host.readText("/etc/default/etcd")!, /^ETCD_INITIAL_CLUSTER_TOKEN=etcd-restore-/m);

    /** A marker as a restore begun at `stamp` writes it, with `hadDataDir`. */
    const marker = async (stamp: string, hadDataDir: boolean): Promise<RestoreMarker> => {
      const m: RestoreMarker = {
        schema: 1,
        file: snapshot,
        sha256: (await execOk(["sha256sum", snapshot])).split(" ")[0],
        revision: want,
        clusterToken: `etcd-restore-${stamp.toLowerCase()}`,
        aside: `${data}.before-restore-${stamp}`,
        staging: `${data}.restore-${stamp}`,
        hadDataDir,
        startedAt: new Date().toISOString(),
      };
      host.writeAtomic(RESTORE_MARKER, JSON.stringify(m), { uid: 0, gid: 0, mode: 0o600 });
      return m;
    };
    const own = { uid: 0, gid: 0, mode: 0o600 };

    // killed while building the new data dir: a partial staging dir, the old data dir in place
    let m = await marker("20261201T000001Z", true);
    host.writeAtomic(`${data}/original`, "generation 1", own);
    host.ensureDir(`${m.staging}/member`, { uid: 0, gid: 0, mode: 0o700 });
    host.writeAtomic(`${m.staging}/member/junk`, "half written", own);
    assert.equal(await restore(), 0);
    assert.equal(host.readText(`${m.aside}/original`), "generation 1", "the old data dir was moved aside");
    assert.equal(host.stat(`${data}/member/junk`), undefined, "the partial build was not used");
    assert.equal(await revisionOf(data), want);
    assert.equal(host.stat(m.staging), undefined);
    assert.equal(host.stat(RESTORE_MARKER), undefined);

    // killed after the old data dir went aside, before the new one was in place
    m = await marker("20261201T000002Z", true);
    await Deno.rename(host.resolve(data), host.resolve(m.aside));
    assert.equal(await restore(), 0);
    assert.ok(host.stat(`${m.aside}/member`), "the data dir before is kept aside");
    assert.equal(await revisionOf(data), want);
    assert.equal(host.stat(RESTORE_MARKER), undefined);

    // killed after the new data dir was put in place (only the env file and state record were left to do)
    m = await marker("20261201T000003Z", true);
    await execOk(["cp", "-a", host.resolve(data), host.resolve(m.aside)]);
    host.writeAtomic(`${data}/member/placed`, "by the killed run", own);
    assert.equal(await restore(), 0);
    assert.equal(host.readText(`${data}/member/placed`), "by the killed run", "not rebuilt");
    assert.equal(readState(host)?.clusterToken, m.clusterToken);
    assert.equal(host.stat(RESTORE_MARKER), undefined);

    // another file while one restore is unfinished is refused
    await marker("20261201T000004Z", true);
    const other = path.join(tmp, "other.db");
    await Deno.copyFile(snapshot, other);
    assert.equal(await main(["restore", other, "--root", root, "-q"], quiet), 7);
    assert.ok(host.stat(RESTORE_MARKER), "the unfinished restore stays recorded");
    host.writeAtomic(RESTORE_MARKER, "not json", { uid: 0, gid: 0, mode: 0o600 });
    assert.equal(await restore(), 7, "an unreadable marker stops the restore");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("restore --root with a --wal-dir: the WAL is rebuilt in DIR/wal, the old one kept aside, also after a kill", async () => {
  const fx = await etcdFixture("sid");
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-restore-wal-" });
  try {
    const snapshot = await realSnapshot(tmp);
    const root = path.join(tmp, "root");
    await Deno.mkdir(root);
    const host = new HostRoot(root);
    const args = ["--root", root, "-q"];
    const install = ["install", "--tarball", fx.tarball, "--sha256", fx.sha256, "--wal-dir", "/srv/etcd-wal"];
    assert.equal(await main([...install, ...args], {}), 0);
    const wal = "/srv/etcd-wal/wal";
    const own = { uid: 0, gid: 0, mode: 0o600 };
    host.ensureDir(wal, { uid: 0, gid: 0, mode: 0o700 });
    host.writeAtomic(`${wal}/old.wal`, "old wal", own);
    assert.equal(await main(["restore", snapshot, ...args], {}), 0);
    const names = () => [...Deno.readDirSync(host.resolve("/srv/etcd-wal"))].map((e) => e.name).sort();
    const asideWal = names().find((n) => n.startsWith("wal.before-restore-"))!;
    assert.equal(host.readText(`/srv/etcd-wal/${asideWal}/old.wal`), "old wal", "the old WAL is kept aside");
    assert.ok([...Deno.readDirSync(host.resolve(wal))].some((e) => e.name.endsWith(".wal")), "a new WAL");
    assert.equal(host.stat("/var/lib/etcd/member/wal"), undefined, "not in the data dir");
    assert.equal(names().filter((n) => n.includes(".restore-")).length, 0, "nothing staged left");

    // killed after the new WAL was put in place, before the data dir: the rerun replaces its own WAL
    const stamp = "20261201T000005Z";
    const m: RestoreMarker = {
      schema: 1,
      file: snapshot,
      sha256: (await execOk(["sha256sum", snapshot])).split(" ")[0],
      revision: 0,
      clusterToken: `etcd-restore-${stamp.toLowerCase()}`,
      aside: `/var/lib/etcd.before-restore-${stamp}`,
      staging: `/var/lib/etcd.restore-${stamp}`,
      hadDataDir: true,
      startedAt: new Date().toISOString(),
    };
    host.writeAtomic(RESTORE_MARKER, JSON.stringify(m), own);
    await Deno.rename(host.resolve(wal), host.resolve(`${wal}.before-restore-${stamp}`));
    host.ensureDir(wal, { uid: 0, gid: 0, mode: 0o700 });
    host.writeAtomic(`${wal}/from-the-killed-run.wal`, "new", own);
    host.ensureDir(`${m.staging}/member`, { uid: 0, gid: 0, mode: 0o700 });
    host.writeAtomic("/var/lib/etcd/generation", "2", own);
    assert.equal(await main(["restore", snapshot, ...args], {}), 0);
    assert.equal(host.stat(`${wal}/from-the-killed-run.wal`), undefined, "rebuilt");
    assert.ok(host.stat(`${wal}.before-restore-${stamp}`), "the WAL before it stays aside");
    assert.equal(host.readText(`${m.aside}/generation`), "2", "the data dir before it went aside");
    assert.ok(host.stat("/var/lib/etcd/member/snap/db"));
    assert.equal(host.stat(RESTORE_MARKER), undefined);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
