/**
 * Backup's and restore's plans as pure functions of what was observed (crafted here, no host): which of
 * this member's snapshots retention keeps and prunes and why, the new snapshot counted as the newest, other
 * members' and record-less snapshots never touched; the names a restore takes, or an unfinished one's.
 */
import assert from "node:assert/strict";
import { planBackup } from "../../lib/backup/plan.ts";
import { renderBackupPlan } from "../../lib/backup/view.ts";
import type { BackupObserved, RestoreObserved } from "../../lib/backup/observed.ts";
import type { RestoreMarker } from "../../lib/backup/marker.ts";
import { newMarker, planRestore, renderRestorePlan } from "../../lib/backup/restore_plan.ts";
import { parseSnapshotName, snapshotFileName } from "../../lib/backup/names.ts";
import type { StoredSnapshot } from "../../lib/backup/store.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { memberState } from "../daytwo/fixtures.ts";
import { craftedRecord } from "./snapshots.ts";

const DIR = "/var/backups/etcd";
const NOW = new Date("2026-12-02T10:30:00.000Z");
const state = memberState({}, {});
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

/** A stored snapshot of `member` taken `h` hours before NOW, with etcdup's record unless `record` is false. */
function stored(h: number, member = state.name, record = true): StoredSnapshot {
  const file = snapshotFileName(hoursAgo(h), member, state.version);
  return {
    ...parseSnapshotName(file)!,
    path: `${DIR}/${file}`,
    size: 8,
    ...(record
      ? { record: craftedRecord(file, member, hoursAgo(h)) }
      : { recordProblem: `no record ${file}.json beside it` }),
  };
}

function observed(snapshots: StoredSnapshot[], extra: Partial<BackupObserved> = {}): BackupObserved {
  return {
    state,
    dir: DIR,
    dirExists: true,
    snapshots,
    leftovers: [],
    freeBytes: 10 * 2 ** 30,
    quotaBytes: 2 * 2 ** 30,
    ...extra,
  };
}

const settings = (hourly: number, daily: number, weekly: number) => ({
  policy: { hourly, daily, weekly },
  recipients: [],
  recordOffsite: false,
});

Deno.test("backup plan: the new snapshot counts as the newest; keep-daily 2 keeps yesterday's newest, prunes the rest of its own", () => {
  const yesterday = stored(24);
  const yesterdayEarlier = stored(25);
  const older = stored(48);
  const other = stored(30, "n9");
  const lookalike = stored(72, state.name, false);
  const plan = planBackup(
    observed([yesterday, yesterdayEarlier, other, older, lookalike]),
    settings(0, 2, 0),
    NOW,
  );
  const file = snapshotFileName(NOW, state.name, state.version);
  assert.deepEqual(plan.snapshot, {
    file,
    path: `${DIR}/${file}`,
    takenAt: NOW.toISOString(),
    encrypted: false,
  });
  assert.deepEqual(plan.keep.map((e) => e.path), [plan.snapshot.path, yesterday.path]);
  assert.equal(plan.keep[0].reason, "taken now");
  assert.equal(plan.keep[1].reason, `the newest of day ${hoursAgo(24).toISOString().slice(0, 10)}`);
  assert.deepEqual(plan.prune.map((e) => e.path), [yesterdayEarlier.path, older.path]);
  assert.match(plan.prune[0].reason, /--keep-hourly 0 --keep-daily 2 --keep-weekly 0/);
  assert.deepEqual(plan.untouched.map((e) => e.path), [other.path, lookalike.path]);
  assert.match(plan.untouched[0].reason, /another member's \(n9\)/);
  assert.match(plan.untouched[1].reason, /no record/);
  const text = renderBackupPlan(plan);
  for (const e of plan.prune) assert.ok(text.includes(`remove ${e.path}`), text);
});

Deno.test("backup plan: zero everywhere prunes every older own snapshot; hourly buckets name the hour", () => {
  const snaps = [stored(1), stored(2), stored(3)];
  assert.deepEqual(
    planBackup(observed(snaps), settings(0, 0, 0), NOW).prune.map((e) => e.path),
    snaps.map((s) => s.path),
  );
  const plan = planBackup(observed(snaps), settings(3, 0, 0), NOW);
  assert.deepEqual(plan.keep.map((e) => e.path).slice(1), [snaps[0].path, snaps[1].path]);
  assert.equal(plan.keep[1].reason, `the newest of hour ${hoursAgo(1).toISOString().slice(0, 13)}`);
  assert.deepEqual(plan.prune.map((e) => e.path), [snaps[2].path]);
});

Deno.test("backup plan: encryption, upload, a missing dir, leftovers and tight space are in the plan; a bad state name is refused", () => {
  const plan = planBackup(
    observed([], { dirExists: false, leftovers: [".x.etcdup-partial"], freeBytes: 2 ** 20 }),
    { ...settings(24, 7, 4), recipients: ["age1x"], uploadTo: "s3://b/p", recordOffsite: true },
    NOW,
  );
  assert.ok(plan.snapshot.file.endsWith(".db.age") && plan.snapshot.encrypted);
  assert.equal(plan.createDir, true);
  assert.equal(plan.uploadTo, "s3://b/p");
  assert.equal(plan.space.tight, true);
  const text = renderBackupPlan(plan);
  for (
    const w of ["would create", "leftovers", "age-encrypted", "would upload it to s3://b/p", "would not fit"]
  ) {
    assert.ok(text.includes(w), `${w} in:\n${text}`);
  }
  assert.throws(
    () =>
      planBackup(observed([], { state: { ...state, name: "../../etc/cron.d/x" } }), settings(1, 1, 1), NOW),
    (e) => e instanceof EtcdupError && e.code === "state-unreadable",
  );
});

/** A restore observation of a local plaintext snapshot. */
function restoreObserved(extra: Partial<RestoreObserved> = {}): RestoreObserved {
  return {
    state,
    source: {
      kind: "file",
      snapshot: {
        file: "/root/snap.db",
        encrypted: false,
        sha256: "a".repeat(64),
        recordProblem: "no record snap.db.json beside it",
      },
    },
    pending: undefined,
    dataDirExists: true,
    unit: { live: true, active: true },
    ...extra,
  };
}
const opts = { force: false, markerFile: "/var/lib/etcdup/restore.json" };

Deno.test("restore plan: the names come from the time, the member from the state; the marker takes them", () => {
  const plan = planRestore(restoreObserved(), opts, new Date("2026-12-02T10:30:05.678Z"));
  assert.deepEqual(plan.names, {
    aside: `${state.dataDir}.before-restore-20261202T103005Z`,
    staging: `${state.dataDir}.restore-20261202T103005Z`,
    clusterToken: "etcd-restore-20261202t103005z",
    startedAt: "2026-12-02T10:30:05.678Z",
  });
  assert.equal(plan.target, state.dataDir);
  assert.deepEqual([plan.moveAside, plan.stop, plan.start, plan.checkCluster, plan.resume], [
    true,
    true,
    true,
    true,
    false,
  ]);
  assert.equal(plan.member.initialCluster, `${state.name}=${state.peerUrls[0]}`);
  const m = newMarker(plan, { file: "/root/snap.db", sha256: "a".repeat(64), status: { revision: 7 } });
  assert.deepEqual([m.aside, m.staging, m.clusterToken, m.hadDataDir, m.revision], [
    plan.names.aside,
    plan.names.staging,
    plan.names.clusterToken,
    true,
    7,
  ]);
  const text = renderRestorePlan(plan);
  assert.ok(text.includes(`aside to ${plan.names.aside}`), text);
  assert.ok(text.includes(`SHA-256 ${"a".repeat(64)}; no record snap.db.json beside it (read now)`), text);
});

Deno.test("restore plan: an unfinished restore's names are kept; one of another file is refused; nothing named is refused", () => {
  const pending: RestoreMarker = {
    schema: 1,
    file: "/root/snap.db",
    sha256: "a".repeat(64),
    revision: 3,
    clusterToken: "etcd-restore-20261201t000001z",
    aside: `${state.dataDir}.before-restore-20261201T000001Z`,
    staging: `${state.dataDir}.restore-20261201T000001Z`,
    hadDataDir: false,
    startedAt: "2026-12-01T00:00:01.000Z",
  };
  const plan = planRestore(restoreObserved({ pending }), opts, NOW);
  assert.equal(plan.resume, true);
  assert.equal(plan.names.aside, pending.aside);
  assert.equal(plan.moveAside, false, "as the marker recorded");
  assert.equal(plan.checkCluster, false);
  const refused = (o: RestoreObserved, code: string) =>
    assert.throws(() => planRestore(o, opts, NOW), (e) => e instanceof EtcdupError && e.code === code);
  refused(restoreObserved({ pending: { ...pending, file: "/root/other.db" } }), "restore-in-progress");
  const s3 = planRestore(
    restoreObserved({ source: { kind: "s3", url: "s3://b/p", latest: true } }),
    opts,
    NOW,
  );
  assert.match(s3.verify[0], /newest etcdup snapshot under s3:\/\/b\/p /);
  const seen = planRestore(
    restoreObserved({
      source: {
        kind: "s3",
        url: "s3://b/p",
        latest: true,
        remote: { url: "s3://b/p/x.db.age", size: 99, encrypted: true, recordSha256: "c".repeat(64) },
      },
    }),
    { ...opts, identity: "/root/id" },
    NOW,
  );
  assert.equal(seen.from, "s3://b/p/x.db.age", "the dry run names the object the run would fetch");
  assert.match(seen.verify.join("\n"), /s3:\/\/b\/p\/x\.db\.age \(99 bytes[^]*cccc[^]*--identity \/root\/id/);
});

Deno.test("restore plan: a local .age file is refused as the run's decryption refuses it, in its order", () => {
  const age = (extra: Record<string, unknown>, identity = true) =>
    restoreObserved({
      source: {
        kind: "file",
        snapshot: { file: "/root/snap.db.age", encrypted: true, sha256: "b".repeat(64), ...extra },
        ...(identity ? { identities: ["AGE-SECRET-KEY-1X"] } : {}),
      },
    });
  const record = { ...craftedRecord("snap.db.age", state.name, NOW), sha256: "b".repeat(64) };
  const verify = (o: RestoreObserved) =>
    planRestore(o, { ...opts, identity: "/root/id" }, NOW).verify.join("\n");
  assert.match(verify(age({ record })), /matches its record/);
  assert.match(verify(age({ record, header: { opens: true } })), /age header opens with it: read now/);
  const refused = (o: RestoreObserved, code: string, exit: number) =>
    assert.throws(
      () => planRestore(o, opts, NOW),
      (e) => e instanceof EtcdupError && e.code === code && e.exit === exit,
      code,
    );
  const wrong = {
    code: "age-wrong-identity",
    message: "x is not encrypted to the given identity",
    exit: Exit.verification,
  };
  refused(age({ missing: "it does not exist", sha256: undefined }), "snapshot-missing", Exit.usage);
  refused(age({ record }, false), "identity-required", Exit.usage);
  refused(
    age({ recordProblem: "no record", header: { opens: false, refusal: wrong } }),
    "snapshot-unverified",
    Exit.verification,
  );
  refused(
    age({ record: { ...record, sha256: "d".repeat(64) }, header: { opens: false, refusal: wrong } }),
    "snapshot-digest-mismatch",
    Exit.verification,
  );
  refused(age({ record, header: { opens: false, refusal: wrong } }), "age-wrong-identity", Exit.verification);
});
