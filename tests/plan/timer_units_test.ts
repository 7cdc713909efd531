/**
 * The timer machinery's pure half: the schedule's shape check, and the rendered units, which systemd's own
 * parser (`systemd-analyze verify --root`) must accept without a complaint.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  calendarExpression,
  retiredTimers,
  timerFiles,
  timerJob,
  timerSteps,
} from "../../lib/plan/timer_units.ts";
import { plannedTimers } from "../../lib/plan/timers.ts";
import { parseCalendarElapses } from "../../lib/host/systemd.ts";
import { checkCalendars } from "../../lib/timers/systemd.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { EtcdupError } from "../../lib/errors.ts";
import { exec } from "../support/exec.ts";
import { installOptions } from "../support/install_options.ts";

const hasVerify = (await exec(["systemd-analyze", "--version"]).catch(() => ({ code: -1 }))).code === 0 &&
  (await Deno.stat("/usr/lib/systemd/system/timers.target").then(() => true, () => false));
if (!hasVerify) {
  console.error("skipping the systemd-analyze checks: no systemd-analyze or systemd units here");
}

Deno.test("calendarExpression: shorthands and calendar expressions pass; other text is a usage error naming the flag", () => {
  for (
    const ok of ["hourly", "daily", "*-*-* 02:30:00", "Mon..Fri *-*-* 03:00", "*:0/15", "*-*-* 04:00 UTC"]
  ) {
    assert.equal(calendarExpression("backup-schedule", ok), ok);
  }
  for (
    const bad of ["", "  ", "hourly\nExecStart=/bin/sh", "every hour", "daily; rm -rf /", "x".repeat(200)]
  ) {
    assert.throws(
      () => calendarExpression("backup-schedule", bad),
      (e: unknown) =>
        e instanceof EtcdupError && e.code === "bad-schedule" && e.exit === 2 &&
        e.message.startsWith("--backup-schedule:"),
      JSON.stringify(bad),
    );
  }
});

Deno.test("timerFiles: a hardened root oneshot running /usr/local/bin/etcdup ARGS and a persistent, randomized timer", () => {
  const job = timerJob("etcdup-test", "test job", ["backup", "--keep-hourly", "50%"], "*-*-* 02:30:00", {
    randomizedDelaySec: 120,
    writePaths: ["/var/backups/etcd", "/var/lib/etcdup"],
  });
  const [service, timer] = timerFiles(job);
  assert.equal(service.path, "/etc/systemd/system/etcdup-test.service");
  assert.equal(timer.path, "/etc/systemd/system/etcdup-test.timer");
  for (const f of [service, timer]) assert.deepEqual([f.uid, f.gid, f.mode], [0, 0, 0o644]);
  const s = String(service.content);
  assert.match(s, /^Type=oneshot$/m);
  assert.match(s, /^ExecStart=\/usr\/local\/bin\/etcdup backup --keep-hourly 50%%$/m, "% escaped");
  assert.match(s, /^ReadWritePaths=-\/var\/backups\/etcd -\/var\/lib\/etcdup$/m);
  for (const line of ["ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "UMask=0077"]) {
    assert.match(s, new RegExp(`^${line}$`, "m"));
  }
  assert.doesNotMatch(s, /^User=/m, "runs as root: it reads root-only keys");
  const t = String(timer.content);
  assert.match(t, /^OnCalendar=\*-\*-\* 02:30:00$/m);
  assert.match(t, /^Persistent=true$/m);
  assert.match(t, /^RandomizedDelaySec=120s$/m);
  assert.match(t, /^Unit=etcdup-test\.service$/m);
  assert.match(t, /^WantedBy=timers\.target$/m);
});

Deno.test({
  name:
    "timerFiles: systemd-analyze verify accepts the rendered units; a schedule systemd rejects is refused",
  ignore: !hasVerify,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "etcdup-timer-verify-" });
    try {
      const job = timerJob("etcdup-test", "test job", ["backup"], "hourly");
      for (const f of timerFiles(job)) {
        await Deno.mkdir(path.join(root, path.dirname(f.path)), { recursive: true });
        await Deno.writeTextFile(path.join(root, f.path), String(f.content));
      }
      // systemd's own units (targets the timer and service hang off), as on the host
      await Deno.mkdir(path.join(root, "usr/lib/systemd"), { recursive: true });
      await exec(["cp", "-r", "/usr/lib/systemd/system", path.join(root, "usr/lib/systemd/")]);
      await Deno.mkdir(path.join(root, "usr/local/bin"), { recursive: true });
      await Deno.writeTextFile(path.join(root, "usr/local/bin/etcdup"), "#!/bin/sh\n", { mode: 0o755 });
      const r = await exec([
        "systemd-analyze",
        "verify",
        `--root=${root}`,
        path.join(root, "etc/systemd/system/etcdup-test.timer"),
        path.join(root, "etc/systemd/system/etcdup-test.service"),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /etcdup-test/, `no complaint about our units:\n${r.stderr}`);

      const odd = timerJob("etcdup-test", "test job", ["backup"], "*-*-* 25:00:00");
      await assert.rejects(
        () => checkCalendars(new HostRoot("/"), [odd]),
        (e: unknown) => e instanceof EtcdupError && e.code === "bad-schedule" && e.exit === 2,
      );
      await checkCalendars(new HostRoot(root), [odd]); // under --root systemd is not asked
      await checkCalendars(new HostRoot("/"), [job]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("parseCalendarElapses: reads systemd-analyze calendar's elapses (TZ=UTC)", () => {
  const text = `  Original form: hourly
Normalized form: *-*-* *:00:00
    Next elapse: Tue 2026-12-01 23:00:00 UTC
       From now: 57min left
       Iter. #2: Wed 2026-12-02 00:00:00 UTC
`;
  assert.deepEqual(parseCalendarElapses(text).map((d) => d.toISOString()), [
    "2026-12-01T23:00:00.000Z",
    "2026-12-02T00:00:00.000Z",
  ]);
});

Deno.test("plannedTimers: the backup timer hourly by default, --backup-schedule, --no-backup-timer, a bad schedule", () => {
  const [backup] = plannedTimers(installOptions({}), "/etc/etcd/pki", undefined);
  assert.deepEqual([backup.name, backup.args, backup.schedule, backup.writePaths], [
    "etcdup-backup",
    ["backup"],
    "hourly",
    ["/var/backups/etcd"],
  ]);
  assert.equal(
    plannedTimers(installOptions({ "backup-schedule": "*-*-* 02:30:00" }), "/etc/etcd/pki", undefined)[0]
      .schedule,
    "*-*-* 02:30:00",
  );
  assert.ok(
    plannedTimers(installOptions({ "no-backup-timer": true }), "/etc/etcd/pki", undefined).every((j) =>
      j.name !== "etcdup-backup"
    ),
  );
  assert.throws(
    () => plannedTimers(installOptions({ "backup-schedule": "every hour" }), "/etc/etcd/pki", undefined),
    (e: unknown) =>
      e instanceof EtcdupError && e.code === "bad-schedule" && e.exit === 2 &&
      /^--backup-schedule:/.test(e.message),
  );
});

Deno.test("timerSteps and retiredTimers: the steps the dry run shows, pure (live host, --no-start, --root)", () => {
  const backup = timerJob("etcdup-backup", "backup", ["backup"], "hourly");
  assert.deepEqual(retiredTimers(["etcdup-backup.timer", "etcdup-old.timer"], [backup]), [
    "etcdup-old.timer",
  ]);
  assert.deepEqual(retiredTimers(undefined, [backup]), []);
  assert.deepEqual(timerSteps("/", [backup], ["etcdup-old.timer"], true), [
    "stop and disable etcdup-old.timer, remove its units (no longer planned)",
    "systemctl enable etcdup-backup.timer and start it (hourly)",
  ]);
  assert.deepEqual(timerSteps("/", [backup], [], false), [
    "systemctl enable etcdup-backup.timer (starts at boot: --no-start) (hourly)",
  ]);
  assert.deepEqual(timerSteps("/srv/r", [backup], [], true), [
    "systemctl --root /srv/r enable etcdup-backup.timer (hourly)",
  ]);
});
