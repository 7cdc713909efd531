/** Install's care settings: sizes, retentions, presets and etcd's own timing limits, refused by error code. */
import assert from "node:assert/strict";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import type { FlagValues } from "../../lib/command.ts";
import { etcdConfig } from "../../lib/plan/desired.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { DEFAULT_QUOTA_BYTES, parseRetention, parseSize, planCare } from "../../lib/plan/care.ts";
import { installOptions, planFromValues } from "../support/install_options.ts";

/** Asserts `fn` throws a usage error (exit 2) with `code`. */
function refused(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof EtcdupError && e.code === code && e.exit === Exit.usage);
}

Deno.test("care: defaults are 1h periodic retention, etcd's 2 GiB quota made explicit, lan timing", () => {
  const notes: string[] = [];
  assert.deepEqual(planCare(installOptions({}), notes), {
    compactionRetention: "1h",
    quotaBackendBytes: DEFAULT_QUOTA_BYTES,
    heartbeatMs: 100,
    electionMs: 1000,
  });
  assert.equal(DEFAULT_QUOTA_BYTES, 2147483648);
  assert.deepEqual(notes, []);
});

Deno.test("care: sizes take binary and decimal units and plain bytes", () => {
  assert.equal(parseSize("q", "4GiB"), 4 * 1024 ** 3);
  assert.equal(parseSize("q", "512 MiB"), 512 * 1024 ** 2);
  assert.equal(parseSize("q", "2GB"), 2e9);
  assert.equal(parseSize("q", "1.5GiB"), 1.5 * 1024 ** 3);
  assert.equal(parseSize("q", "2147483648"), 2147483648);
  for (const bad of ["", "-1", "0", "4 GiBs", "GiB", "1e9", "4XB", "99999999999999999999"]) {
    refused(() => parseSize("q", bad), "bad-size");
  }
});

Deno.test("care: a quota above 8 GiB is refused unless --force-quota", () => {
  assert.equal(
    planCare(installOptions({ "quota-backend-bytes": "8GiB" }), []).quotaBackendBytes,
    8 * 1024 ** 3,
  );
  refused(() => planCare(installOptions({ "quota-backend-bytes": "9GiB" }), []), "quota-too-large");
  assert.equal(
    planCare(installOptions({ "quota-backend-bytes": "9GiB", "force-quota": true }), []).quotaBackendBytes,
    9 * 1024 ** 3,
  );
});

Deno.test("care: retention is a Go duration or hours; 0 turns compaction off", () => {
  assert.equal(parseRetention("r", "30m"), "30m");
  assert.equal(parseRetention("r", "2h30m"), "2h30m");
  assert.equal(parseRetention("r", "2"), "2h");
  assert.equal(parseRetention("r", "0"), "0");
  for (const bad of ["", "1d", "h", "0h0m", "-1h", "1.5h", "1h 30m"]) {
    refused(() => parseRetention("r", bad), "bad-retention");
  }
});

Deno.test("care: presets follow the tuning guide, explicit flags override, etcd's 5x rule is enforced", () => {
  assert.deepEqual(
    [
      planCare(installOptions({ tuning: "wan" }), []).heartbeatMs,
      planCare(installOptions({ tuning: "wan" }), []).electionMs,
    ],
    [500, 5000],
  );
  const c = planCare(installOptions({ tuning: "wan", "heartbeat-interval": "300" }), []);
  assert.deepEqual([c.heartbeatMs, c.electionMs], [300, 5000]);
  refused(() => planCare(installOptions({ tuning: "metro" }), []), "bad-tuning");
  refused(() => planCare(installOptions({ "election-timeout": "400" }), []), "bad-election-timeout");
  refused(() => planCare(installOptions({ "election-timeout": "60000" }), []), "bad-number");
  refused(() => planCare(installOptions({ "heartbeat-interval": "ten" }), []), "bad-number");
  const notes: string[] = [];
  assert.equal(planCare(installOptions({ "election-timeout": "500" }), notes).electionMs, 500);
  assert.match(notes[0], /under 10 heartbeats/);
});

Deno.test("--metrics-address: loopback by default, any IP when given, rendered into ETCD_LISTEN_METRICS_URLS", () => {
  const facts = {
    hostname: "node1",
    fqdn: "node1",
    addresses: [{ address: "10.0.0.5", family: "IPv4" as const }],
    cpu: "x86_64",
    isRoot: true,
  };
  const pki = pkiPaths("etcd", "/etc/etcd/pki");
  const urls = (values: FlagValues) =>
    etcdConfig(planFromValues(values, facts, "/", () => "v3.5.30"), pki).listenMetricsUrls;
  assert.deepEqual(urls({}), ["http://127.0.0.1:2381"]);
  assert.deepEqual(urls({ "metrics-address": "10.0.0.5" }), ["http://10.0.0.5:2381"]);
  assert.deepEqual(urls({ "metrics-address": "FD00::5" }), ["http://[fd00::5]:2381"]);
  refused(() => urls({ "metrics-address": "metrics.example" }), "bad-address");
});
