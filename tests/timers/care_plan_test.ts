/**
 * The certs and maintain timers as planned (commands, write paths, default schedule, a malformed schedule
 * refused) and status's view of timers, from data alone; care_timers_test.ts writes them under --root.
 */
import assert from "node:assert/strict";
import { plannedTimers } from "../../lib/plan/timers.ts";
import { formatTimers, timerProblems } from "../../lib/timers/status.ts";
import { EtcdupError } from "../../lib/errors.ts";
import { installOptions } from "../support/install_options.ts";

Deno.test("plannedTimers: certs renew --if-expiring and maintain, daily with an hour's random delay", () => {
  const [backup, certs, maintain] = plannedTimers(installOptions({}), "/etc/etcd/pki", undefined);
  assert.equal(backup.name, "etcdup-backup", "the backup timer comes first");
  assert.deepEqual(certs.args, ["certs", "renew", "--if-expiring"]);
  assert.deepEqual(certs.writePaths, ["/etc/etcd/pki", "/var/lib/etcdup"]);
  assert.deepEqual([certs.name, certs.schedule, certs.randomizedDelaySec], ["etcdup-certs", "daily", 3600]);
  assert.deepEqual([maintain.name, maintain.args, maintain.schedule], [
    "etcdup-maintain",
    ["maintain"],
    "daily",
  ]);
  const withTextfile =
    plannedTimers(installOptions({ "certs-schedule": "Mon *-*-* 03:00" }), "/p", "/var/lib/node-exporter")[1];
  assert.deepEqual(withTextfile.args, [
    "certs",
    "renew",
    "--if-expiring",
    "--prometheus",
    "/var/lib/node-exporter/etcdup-certs.prom",
  ]);
  assert.ok(withTextfile.writePaths.includes("/var/lib/node-exporter"));
  assert.equal(withTextfile.schedule, "Mon *-*-* 03:00");
  assert.deepEqual(plannedTimers(installOptions({ "no-timers": true }), "/p", undefined), []);
  assert.throws(
    () => plannedTimers(installOptions({ "maintain-schedule": "every day" }), "/p", undefined),
    (e: unknown) =>
      e instanceof EtcdupError && e.code === "bad-schedule" && e.exit === 2 &&
      /--maintain-schedule/.test(e.message),
  );
});

Deno.test("timer status: next run and last result per timer; a failed run and a disabled timer are problems", () => {
  const statuses = [
    {
      timer: "etcdup-certs.timer",
      enabled: true,
      next: "Wed 2026-12-02 00:30:00 UTC",
      lastRun: "Tue 2026-12-01 00:31:02 UTC",
      lastResult: "success",
    },
    {
      timer: "etcdup-maintain.timer",
      enabled: false,
      lastRun: "Tue 2026-12-01 00:40:00 UTC",
      lastResult: "exit-code 4",
    },
  ];
  const lines = formatTimers(statuses);
  assert.match(
    lines[1],
    /etcdup-certs\.timer +enabled, next Wed 2026-12-02 00:30:00 UTC, last Tue .*: success/,
  );
  assert.match(lines[2], /NOT enabled, next -, last .*: exit-code 4/);
  assert.deepEqual(timerProblems(statuses), [
    "etcdup-maintain.timer is not enabled",
    "etcdup-maintain.service: last run failed (exit-code 4); see 'journalctl -u etcdup-maintain.service'",
  ]);
  assert.deepEqual(formatTimers([]), ["timers: none"]);
});
