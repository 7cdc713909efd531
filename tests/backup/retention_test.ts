/** Retention as a pure function of snapshot times (faked) and the policy, and etcdup's snapshot naming. */
import assert from "node:assert/strict";
import { isoWeek, retain, retentionOf } from "../../lib/backup/retention.ts";
import { parseOptions } from "../../lib/plan/options.ts";
import { backupFlags } from "../../lib/specs/backup.ts";
import { isTempFileName, parseSnapshotName, snapshotFileName, tempFileName } from "../../lib/backup/names.ts";
import { EtcdupError } from "../../lib/errors.ts";

const at = (iso: string) => ({ time: new Date(iso), id: iso });
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

/** Hourly snapshots at hh:05 from `from` for `hours` hours, newest last. */
function hourly(from: string, hours: number): { time: Date; id: string }[] {
  const start = new Date(from).getTime();
  return Array.from({ length: hours }, (_, i) => at(new Date(start + i * 3600_000).toISOString()));
}

Deno.test("retain: the default policy on 40 days of hourly snapshots keeps 24 hourly + 7 daily + 4 weekly, overlaps shared", () => {
  const all = hourly("2026-10-22T00:05:00.000Z", 40 * 24); // ends 2026-11-30T23:05Z, a Monday
  const { keep, prune } = retain(all, { hourly: 24, daily: 7, weekly: 4 });
  assert.equal(keep.length + prune.length, all.length);
  const newest = all[all.length - 1].id;
  assert.equal(keep[0].id, newest, "newest first, newest kept");
  const expected = new Set<string>();
  for (let h = 0; h < 24; h++) expected.add(all[all.length - 1 - h].id); // the last 24 hours
  for (let d = 0; d < 7; d++) expected.add(new Date(Date.UTC(2026, 10, 30 - d, 23, 5)).toISOString()); // 23:05 of the last 7 days
  // weeks (Mon-Sun): the newest in W49 (Nov 30), W48 (Sun Nov 29), W47 (Sun Nov 22), W46 (Sun Nov 15)
  for (const d of ["2026-11-29", "2026-11-22", "2026-11-15"]) expected.add(`${d}T23:05:00.000Z`);
  assert.deepEqual(new Set(ids(keep)), expected);
  // Nov 30's daily and W49's weekly are the newest hourly; W48's weekly is Nov 29's daily
  assert.equal(keep.length, 24 + 6 + 2);
});

Deno.test("retain: zero everywhere keeps only the newest; buckets count only periods that have a snapshot", () => {
  const snaps = [
    at("2026-11-01T10:00:00.000Z"),
    at("2026-11-20T10:00:00.000Z"),
    at("2026-11-20T09:00:00.000Z"),
  ];
  assert.deepEqual(ids(retain(snaps, { hourly: 0, daily: 0, weekly: 0 }).keep), ["2026-11-20T10:00:00.000Z"]);
  assert.deepEqual(
    ids(retain(snaps, { hourly: 0, daily: 2, weekly: 0 }).keep),
    ["2026-11-20T10:00:00.000Z", "2026-11-01T10:00:00.000Z"],
    "a gap of 19 days still counts as the second daily",
  );
  const none = retain([], { hourly: 24, daily: 7, weekly: 4 });
  assert.deepEqual([none.keep, none.prune, none.why.size], [[], [], 0]);
});

Deno.test("isoWeek: ISO 8601 weeks in UTC, year boundaries included", () => {
  assert.equal(isoWeek(new Date("2026-11-30T00:00:00Z")), "2026-W49");
  assert.equal(isoWeek(new Date("2026-11-29T23:59:59Z")), "2026-W48");
  assert.equal(isoWeek(new Date("2027-01-01T12:00:00Z")), "2026-W53");
  assert.equal(isoWeek(new Date("2024-12-30T12:00:00Z")), "2025-W01");
});

Deno.test("retention from backup's flags: defaults 24/7/4, 0 allowed, anything else a usage error naming the flag", () => {
  const policy = (values: Record<string, string>) => retentionOf(parseOptions(backupFlags, values));
  assert.deepEqual(policy({}), { hourly: 24, daily: 7, weekly: 4 });
  assert.deepEqual(policy({ "keep-hourly": "0", "keep-weekly": "52" }), {
    hourly: 0,
    daily: 7,
    weekly: 52,
  });
  for (const bad of ["-1", "1.5", "many", ""]) {
    assert.throws(
      () => policy({ "keep-daily": bad }),
      (e: unknown) =>
        e instanceof EtcdupError && e.code === "bad-number" && e.exit === 2 &&
        e.message.startsWith("--keep-daily:"),
    );
  }
});

Deno.test("snapshot names: UTC time, member and etcd version round-trip; other names are not etcdup's", () => {
  const t = new Date("2026-12-01T22:00:00.123Z");
  const name = snapshotFileName(t, "etcd-a.v2", "v3.5.30");
  assert.equal(name, "etcdup-20261201T220000.123Z-etcd-a.v2-v3.5.30.db");
  assert.deepEqual(parseSnapshotName(name), { file: name, time: t, member: "etcd-a.v2", version: "v3.5.30" });
  for (
    const other of [
      "snapshot.db",
      `${name}.json`,
      tempFileName(name),
      "etcdup-20261301T220000.123Z-a-v3.5.30.db", // month 13
      "etcdup-20261201T220000Z-a-v3.5.30.db",
      `x${name}`,
    ]
  ) assert.equal(parseSnapshotName(other), undefined, other);
  assert.equal(isTempFileName(tempFileName(name)), true);
  assert.equal(isTempFileName(`${tempFileName(name)}.part`), true, "etcdctl's own partial file");
  assert.equal(isTempFileName(name), false);
  assert.equal(isTempFileName(".hidden.db"), false);
});
