/**
 * `etcdup backup list` (and `--remote`) from observed data alone (lib/backup/list_view.ts): each snapshot's
 * digest checked against its record, its age, the exit-6 cases, and the tables against golden files
 * (tests/backup/golden/list_*.txt; UPDATE_GOLDEN=1 rewrites them, on purpose only).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { localListView, type ObservedListedSnapshot, remoteListView } from "../../lib/backup/list_view.ts";
import { golden } from "../support/golden.ts";

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), "golden");
const NOW = "2026-12-02T12:00:00.000Z";
const DIR = "/var/backups/etcd";

/** A snapshot of the backup directory taken `hours` before {@link NOW}, its record matching. */
function snap(hours: number, over: Partial<ObservedListedSnapshot> = {}): ObservedListedSnapshot {
  const takenAt = new Date(Date.parse(NOW) - hours * 3600_000).toISOString();
  const name = `etcdup-${takenAt.replace(/[-:]/g, "")}-n1-v3.5.30.db`;
  return {
    path: `${DIR}/${name}`,
    takenAt,
    member: "n1",
    etcdVersion: "v3.5.30",
    size: 20480,
    encrypted: false,
    sha256: "a".repeat(64),
    record: { sha256: "a".repeat(64), revision: 100 - Math.round(hours), keys: 12 },
    ...over,
  };
}

Deno.test("backup list: digests checked against the records, golden table; a mismatch or no record is exit 6", () => {
  const ok = localListView({ dir: DIR, realDir: DIR, now: NOW, snapshots: [snap(0.5), snap(26)] });
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.result.snapshots.map((s) => [s.digest, s.ageSeconds]), [["ok", 1800], ["ok", 93600]]);
  golden(GOLDEN, "list_ok.txt", ok.text + "\n");

  const bad = localListView({
    dir: DIR,
    realDir: DIR,
    now: NOW,
    snapshots: [
      snap(1, { path: `${DIR}/etcdup-x.db.age`, encrypted: true }),
      snap(2, { sha256: "b".repeat(64) }),
      snap(3, { record: undefined, recordProblem: "no record beside it" }),
    ],
  });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.result.snapshots.map((s) => [s.digest, s.encrypted, s.problem]), [
    ["ok", true, undefined],
    ["mismatch", false, `SHA-256 differs from its record (${"a".repeat(64)})`],
    ["no-record", false, "no record beside it"],
  ]);
  golden(GOLDEN, "list_problems.txt", bad.text + "\n");

  const empty = localListView({ dir: DIR, realDir: "/tmp/root/var/backups/etcd", now: NOW, snapshots: [] });
  assert.deepEqual([empty.ok, empty.text], [true, "no etcdup snapshots in /tmp/root/var/backups/etcd"]);
});

Deno.test("backup list --remote: golden table; an object without its record is exit 6", () => {
  const object = (name: string, takenAt: string, record: boolean) => ({
    url: `s3://snaps/etcd/${name}`,
    takenAt,
    member: "n1",
    etcdVersion: "v3.5.30",
    size: 20639,
    encrypted: name.endsWith(".age"),
    record,
  });
  const view = remoteListView({
    location: "s3://snaps/etcd/",
    now: NOW,
    snapshots: [
      object("etcdup-20261202T110000.000Z-n1-v3.5.30.db.age", "2026-12-02T11:00:00.000Z", true),
      object("etcdup-20261130T110000.000Z-n1-v3.5.30.db", "2026-11-30T11:00:00.000Z", false),
    ],
  });
  assert.equal(view.ok, false);
  assert.deepEqual(view.result.snapshots.map((s) => s.ageSeconds), [3600, 176400]);
  golden(GOLDEN, "list_remote.txt", view.text + "\n");
  const none = remoteListView({ location: "s3://snaps/etcd/", now: NOW, snapshots: [] });
  assert.deepEqual([none.ok, none.text], [true, "no etcdup snapshots in s3://snaps/etcd/"]);
});
