/**
 * Install's care settings: each flag's rule (sizes, retentions, presets, raft timings) and its spec default,
 * then what planCare checks across two flags (--force-quota, etcd's 5 heartbeats per election timeout),
 * refused by error code.
 */
import assert from "node:assert/strict";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import type { FlagValues } from "../../lib/command.ts";
import { etcdConfig } from "../../lib/plan/desired.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import {
  DEFAULT_QUOTA_BYTES,
  MAX_ELECTION_MS,
  parseRaftMs,
  parseRetention,
  parseSize,
  parseTuning,
  planCare,
  TUNING_PRESETS,
} from "../../lib/plan/care.ts";
import { careFlags } from "../../lib/specs/install.ts";
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
  // The check runs on the parsed size, so the message gives it in bytes and GiB.
  assert.throws(() => planCare(installOptions({ "quota-backend-bytes": "9663676416" }), []), {
    message: "--quota-backend-bytes 9663676416 (9 GiB) is above etcd's recommended maximum of 8 GiB",
  });
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

Deno.test("care: a preset is lan or wan (trimmed); other text is bad-tuning naming the flag", () => {
  assert.equal(parseTuning("tuning", "wan"), "wan");
  assert.equal(parseTuning("tuning", " lan "), "lan");
  for (const bad of ["", "metro", "LAN", "wan2"]) refused(() => parseTuning("tuning", bad), "bad-tuning");
  assert.throws(() => parseTuning("tuning", "metro"), {
    code: "bad-tuning",
    message: "--tuning: 'metro' is not a preset",
  });
});

Deno.test("care: a raft timing is whole ms from 1 to etcd's 50 s election limit", () => {
  assert.equal(parseRaftMs("heartbeat-interval", "300"), 300);
  assert.equal(parseRaftMs("election-timeout", ` ${MAX_ELECTION_MS} `), MAX_ELECTION_MS);
  for (const bad of ["", "0", "ten", "1.5", "-5", "100ms", String(MAX_ELECTION_MS + 1)]) {
    refused(() => parseRaftMs("election-timeout", bad), "bad-number");
  }
});

Deno.test("care: the specs' defaults are planning's (the specs write them out), each through its rule", () => {
  assert.equal(
    parseSize("quota-backend-bytes", careFlags["quota-backend-bytes"].default),
    DEFAULT_QUOTA_BYTES,
  );
  assert.equal(
    parseRetention("auto-compaction-retention", careFlags["auto-compaction-retention"].default),
    "1h",
  );
  assert.equal(parseTuning("tuning", careFlags.tuning.default), "lan");
  assert.deepEqual(TUNING_PRESETS.lan, { heartbeatMs: 100, electionMs: 1000 });
});

Deno.test("care: a bad value is refused by its rule when the options are parsed, before any planning", () => {
  refused(() => installOptions({ tuning: "metro" }), "bad-tuning");
  refused(() => installOptions({ "election-timeout": "60000" }), "bad-number");
  refused(() => installOptions({ "heartbeat-interval": "ten" }), "bad-number");
  refused(() => installOptions({ "quota-backend-bytes": "lots" }), "bad-size");
  refused(() => installOptions({ "auto-compaction-retention": "1 week" }), "bad-retention");
  // A blank value is a bad value, as for every flag with a rule (it used to mean the default here).
  refused(() => installOptions({ tuning: "" }), "bad-tuning");
  refused(() => installOptions({ "quota-backend-bytes": " " }), "bad-size");
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
  refused(() => planCare(installOptions({ "election-timeout": "400" }), []), "bad-election-timeout");
  refused(
    () => planCare(installOptions({ tuning: "wan", "heartbeat-interval": "1001" }), []),
    "bad-election-timeout",
  );
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
