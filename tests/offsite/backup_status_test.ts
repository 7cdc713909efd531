/** The backup problems `etcdup status` reports, as a pure function of the newest snapshot and the timer. */
import assert from "node:assert/strict";
import { backupProblems } from "../../lib/daytwo/status_report.ts";
import { formatAge } from "../../lib/text.ts";

const timer = { unit: "etcdup-backup.timer", schedule: "hourly", periodSeconds: 3600 };
const newest = (ageSeconds: number) => ({ path: "/var/backups/etcd/x.db", takenAt: "", ageSeconds });

Deno.test("backupProblems: older than two periods, a failed last run, none although the timer ran", () => {
  const dir = "/var/backups/etcd";
  assert.deepEqual(
    backupProblems({ dir, newest: newest(7100), timer: { ...timer, lastResult: "success", lastRun: "x" } }),
    [],
  );
  const stale = backupProblems({ dir, newest: newest(7320), timer });
  assert.equal(stale.length, 1);
  assert.match(stale[0], /122 minutes old, more than two periods \(60 minutes\) of etcdup-backup\.timer/);
  assert.match(
    backupProblems({
      dir,
      newest: newest(10),
      timer: { ...timer, lastRun: "x", lastResult: "exit-code" },
    })[0],
    /last run of etcdup-backup\.service failed \(exit-code\)/,
  );
  assert.deepEqual(backupProblems({ dir, timer }), [], "a fresh install has not run yet");
  assert.match(
    backupProblems({ dir, timer: { ...timer, lastRun: "x", lastResult: "success" } })[0],
    /no snapshot/,
  );
  assert.deepEqual(backupProblems({ dir, newest: newest(99999) }), [], "no timer: no schedule to miss");
  assert.deepEqual(
    backupProblems({ dir, newest: newest(99999), timer: { unit: timer.unit } }),
    [],
    "unknown period",
  );
});

Deno.test("formatAge", () => {
  assert.deepEqual([formatAge(59), formatAge(3599), formatAge(3660), formatAge(90000)], [
    "0m",
    "59m",
    "1h 1m",
    "1d 1h",
  ]);
});
