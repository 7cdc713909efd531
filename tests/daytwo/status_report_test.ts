/**
 * `etcdup status` from observed data alone (lib/daytwo/status_report.ts): for each host state (healthy,
 * etcd stopped, a certificate expiring and a file edited, the bucket's newest snapshot stale, the bucket
 * unreachable, no upload or backup timer configured) the problems that make it exit 6, and its text and
 * `--json` value against golden files (tests/daytwo/golden/status_*). UPDATE_GOLDEN=1 rewrites them, on
 * purpose only.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import type { CertInspection } from "../../lib/pki/inspect.ts";
import type { ClusterStatus } from "../../lib/cluster/status.ts";
import { renderStatus, type StatusObserved, statusReport } from "../../lib/daytwo/status_report.ts";
import { golden } from "../support/golden.ts";
import { memberState } from "./fixtures.ts";

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), "golden");
const NOW = "2026-12-02T12:00:00.000Z";
const ENV_FILE = { sha256: "a".repeat(64), uid: 0, gid: 0, mode: 0o644 };
const UNIT_FILE = { sha256: "b".repeat(64), uid: 0, gid: 0, mode: 0o644 };
const files = { "/etc/default/etcd": ENV_FILE, "/etc/systemd/system/etcd.service": UNIT_FILE };
const state = memberState(files, { timers: ["etcdup-backup.timer", "etcdup-certs.timer"] });

/** An inspected certificate of role `role` with `daysLeft` days left (a problem when fewer than 30). */
function cert(role: CertInspection["role"], daysLeft: number): CertInspection {
  const notAfter = new Date(Date.parse(NOW) + daysLeft * 86400_000).toISOString();
  return {
    role,
    certPath: `/etc/etcd/pki/${role}.crt`,
    keyPath: `/etc/etcd/pki/${role}.key`,
    present: true,
    notAfter,
    daysLeft,
    problems: daysLeft < 30
      ? [{ code: "expiring", message: `${role} certificate expires in ${daysLeft} days (${notAfter})` }]
      : [],
  };
}

const cluster: ClusterStatus = {
  clusterId: "cdf818194e3a8c32",
  leaderId: "8e9e05c52164694d",
  members: [{
    id: "8e9e05c52164694d",
    name: "n1",
    peerUrls: ["https://10.0.0.1:2380"],
    clientUrls: ["https://10.0.0.1:2379"],
    isLearner: false,
    started: true,
    isLeader: true,
    endpoints: [{
      endpoint: "https://10.0.0.1:2379",
      healthy: true,
      status: {
        memberId: "10276657743932975437",
        version: "3.5.30",
        dbSize: 24576,
        dbSizeInUse: 20480,
        leader: "10276657743932975437",
        raftIndex: 42,
        raftTerm: 2,
        raftAppliedIndex: 42,
        isLearner: false,
        errors: [],
      },
    }],
  }],
  alarms: [],
  healthy: true,
};

/** A minute's worth of seconds before {@link NOW}, as an ISO time. */
const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();

/** A healthy member with the backup timer hourly and an upload recorded; `over` changes parts. */
function observed(over: Partial<StatusObserved> = {}): StatusObserved {
  return {
    state,
    now: NOW,
    service: { unit: "etcd.service", live: true, active: true, enabled: true },
    health: [{ endpoint: "https://10.0.0.1:2379", healthy: true }],
    cluster,
    certificates: [cert("ca", 3600), cert("server", 300), cert("peer", 300), cert("admin", 300)],
    files: { ...files },
    timers: [
      {
        timer: "etcdup-backup.timer",
        enabled: true,
        next: "Wed 2026-12-02 13:00:00 UTC",
        lastRun: "Wed 2026-12-02 11:30:02 UTC",
        lastResult: "success",
      },
      { timer: "etcdup-certs.timer", enabled: true, next: "Thu 2026-12-03 03:00:00 UTC" },
    ],
    backups: {
      dir: "/var/backups/etcd",
      newest: {
        path: "/var/backups/etcd/etcdup-20261202T113000.000Z-n1-v3.5.30.db.age",
        takenAt: minutesAgo(30),
        revision: 1234,
      },
      timer: {
        unit: "etcdup-backup.timer",
        schedule: "hourly",
        periodSeconds: 3600,
        lastRun: "Wed 2026-12-02 11:30:02 UTC",
        lastResult: "success",
      },
      remote: {
        location: "s3://snaps/etcd/",
        newest: {
          url: "s3://snaps/etcd/etcdup-20261202T113000.000Z-n1-v3.5.30.db.age",
          takenAt: minutesAgo(30),
        },
      },
    },
    ...over,
  };
}

const base = observed();
const remoteAt = (name: string, minutes: number) => ({
  location: "s3://snaps/etcd/",
  newest: { url: `s3://snaps/etcd/${name}`, takenAt: minutesAgo(minutes) },
});

/** Each host state: its golden files' name, what differs from a healthy member, the problems it reports. */
const CASES: { name: string; what: string; over: Partial<StatusObserved>; problems: string[] }[] = [
  { name: "healthy", what: "healthy, nothing needs attention", over: {}, problems: [] },
  {
    name: "stopped",
    what: "etcd stopped and disabled (no health asked, no cluster)",
    over: {
      service: { unit: "etcd.service", live: true, active: false, enabled: false },
      health: [],
      cluster: undefined,
    },
    problems: ["etcd.service is not active", "etcd.service is not enabled"],
  },
  {
    name: "expiring",
    what: "a certificate expiring, a file edited, an unhealthy endpoint",
    over: {
      health: [{ endpoint: "https://10.0.0.1:2379", healthy: false, error: "connect ECONNREFUSED" }],
      cluster: undefined,
      clusterError: "no endpoint answered",
      certificates: [cert("ca", 3600), cert("server", 10), cert("peer", 300), cert("admin", 300)],
      files: { ...files, "/etc/default/etcd": { ...ENV_FILE, sha256: "c".repeat(64) } },
    },
    problems: [
      "https://10.0.0.1:2379 is unhealthy: connect ECONNREFUSED",
      "cluster: no endpoint answered",
      "server certificate expires in 10 days (2026-12-12T12:00:00.000Z)",
      "/etc/default/etcd is modified since etcdup wrote it",
    ],
  },
  {
    name: "stale_remote",
    what: "the bucket's newest snapshot older than two periods, another timer's run failed",
    over: {
      timers: [base.timers[0], {
        ...base.timers[1],
        lastRun: "Wed 2026-12-02 03:00:01 UTC",
        lastResult: "exit-code 1",
      }],
      backups: { ...base.backups, remote: remoteAt("etcdup-20261202T070000.000Z-n1-v3.5.30.db.age", 300) },
    },
    problems: [
      "the newest remote snapshot s3://snaps/etcd/etcdup-20261202T070000.000Z-n1-v3.5.30.db.age is 300 minutes old, more than two periods (60 minutes) of the backup timer",
      "etcdup-certs.service: last run failed (exit-code 1); see 'journalctl -u etcdup-certs.service'",
    ],
  },
  {
    name: "remote_down",
    what: "the bucket cannot be listed, the backup timer's last run failed",
    over: {
      backups: {
        ...base.backups,
        timer: { ...base.backups.timer!, lastResult: "exit-code" },
        remote: { location: "s3://snaps/etcd/", error: "s3-unreachable: connection refused" },
      },
    },
    problems: [
      "the last run of etcdup-backup.service failed (exit-code): see 'journalctl -u etcdup-backup.service'",
      "cannot list the remote backups in s3://snaps/etcd/: s3-unreachable: connection refused",
    ],
  },
  {
    name: "no_upload",
    what: "no upload and no backup timer configured, under --root (no timer: no schedule to miss)",
    over: {
      state: memberState(files),
      service: { unit: "etcd.service", live: false, active: false, enabled: true },
      health: [],
      cluster: undefined,
      timers: [],
      backups: { dir: "/var/backups/etcd" },
    },
    problems: [],
  },
];

for (const c of CASES) {
  Deno.test(`status report, golden: ${c.what}`, () => {
    const r = statusReport(observed(c.over));
    golden(GOLDEN, `status_${c.name}.txt`, renderStatus(r) + "\n");
    golden(GOLDEN, `status_${c.name}.json`, JSON.stringify(r, null, 2) + "\n");
    assert.deepEqual(r.problems, c.problems);
  });
}

Deno.test("status report: the bucket's newest snapshot is counted from the observation's time", () => {
  const r = statusReport(observed({ backups: { ...base.backups, remote: remoteAt("x.db", 90) } }));
  assert.equal(r.backups.remote?.newest?.ageSeconds, 5400);
  assert.deepEqual(r.backups.remote?.problems, [], "90 minutes is within two hourly periods");
});
