/**
 * Monitoring against real parts: Debian's promtool accepts `etcdup alerts` as it prints it and parses the
 * `certs check --prometheus` textfile; a real Prometheus (same package) scrapes a real etcd whose metrics
 * listener is on another loopback address (127.0.0.2), loads the rules and evaluates them; the scrape config
 * names every member of the recorded cluster.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { writeState } from "../../lib/host/state.ts";
import { gatherFacts } from "../../lib/host/facts.ts";
import { hostSans } from "../../lib/pki/hostsans.ts";
import { memberState } from "../daytwo/fixtures.ts";
import { makePki, request, tempRoot } from "../pki/helpers.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { exec } from "../support/exec.ts";
import { prometheusFixture } from "../support/prometheus_fixture.ts";
import { waitUntil } from "../support/wait.ts";
import { backupMetrics } from "../../lib/monitor/textfile.ts";

function freePort(host = "127.0.0.1"): number {
  const l = Deno.listen({ hostname: host, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("alerts: promtool check rules accepts the printed rules as they are", async () => {
  const { promtool } = await prometheusFixture();
  const dir = await Deno.makeTempDir({ prefix: "etcdup-alerts-" });
  try {
    const r = await runEtcdup(["alerts"]);
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(dir, "etcd.yml");
    await Deno.writeTextFile(file, r.stdout);
    const check = await exec([promtool, "check", "rules", file]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: 1\d rules found/);
    for (
      const name of [
        "EtcdNoLeader",
        "EtcdFrequentLeaderChanges",
        "EtcdHighFsyncLatency",
        "EtcdDatabaseNearQuota",
        "EtcdDatabaseFragmented",
        "EtcdCertificateExpiringSoon",
        "EtcdBackupStale",
      ]
    ) {
      assert.match(r.stdout, new RegExp(`alert: ${name}\\n`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts --scrape-config: every recorded member at the metrics port; promtool accepts it", async () => {
  const { promtool } = await prometheusFixture();
  const t = await tempRoot();
  try {
    writeState(
      t.host,
      memberState({}, {
        initialCluster: "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,c=https://[fd00::3]:2380",
      }),
    );
    const r = await runEtcdup(["alerts", "--scrape-config", "--root", t.root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /job_name: etcd/);
    for (const target of ["10.0.0.1:2381", "10.0.0.2:2381", "[fd00::3]:2381"]) {
      assert.ok(r.stdout.includes(target), target);
    }
    const file = path.join(t.root, "prometheus.yml");
    await Deno.writeTextFile(file, r.stdout);
    const check = await exec([promtool, "check", "config", file]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const none = await runEtcdup(["alerts", "--scrape-config", "--root", path.join(t.root, "etc"), "--json"]);
    assert.equal(none.code, 7);
    assert.equal(JSON.parse(none.stdout.trim().split("\n").pop()!).code, "not-installed");
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs check --prometheus writes a textfile promtool parses (atomically, 0644); bad paths refused", async () => {
  const { promtool } = await prometheusFixture();
  const t = await tempRoot();
  try {
    t.host.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
    t.host.writeAtomic("/etc/hostname", "pkitest\n", { uid: 0, gid: 0, mode: 0o644 });
    await makePki(t.host, request({ memberName: "pkitest", sans: hostSans(gatherFacts(t.host)) }));
    const out = path.join(t.root, "textfile");
    await Deno.mkdir(out);
    const file = path.join(out, "etcdup.prom");
    const r = await runEtcdup(["certs", "check", "--root", t.root, "--prometheus", file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const text = await Deno.readTextFile(file);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o644);
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["etcdup.prom"], "no temp file left");
    for (const role of ["ca", "server", "peer", "admin"]) {
      assert.match(
        text,
        new RegExp(
          `^etcdup_certificate_expiry_timestamp_seconds\\{role="${role}",path="/etc/etcd/pki/${role}.crt"\\} \\d{10}$`,
          "m",
        ),
      );
      assert.match(text, new RegExp(`^etcdup_certificate_problems\\{role="${role}",.*\\} 0$`, "m"));
    }
    const lint = await exec([promtool, "check", "metrics"], { input: text });
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const cases: [string, number, string][] = [
      [path.join(out, "etcdup.txt"), 2, "bad-textfile"],
      [path.join(t.root, "nope", "etcdup.prom"), 7, "no-textfile-dir"],
    ];
    for (const [bad, exit, code] of cases) {
      const b = await runEtcdup(["certs", "check", "--root", t.root, "--prometheus", bad, "--json"]);
      assert.equal(b.code, exit, b.stdout + b.stderr);
      assert.equal(JSON.parse(b.stdout.trim().split("\n").pop()!).code, code);
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("a real Prometheus scrapes real etcd's /metrics on 127.0.0.2 and evaluates the rules", async () => {
  const { prometheus } = await prometheusFixture();
  const metricsPort = freePort("127.0.0.2");
  const c = await startLocalCluster(1, [`--listen-metrics-urls=http://127.0.0.2:${metricsPort}`]);
  const dir = await Deno.makeTempDir({ prefix: "etcdup-prometheus-" });
  let proc: Deno.ChildProcess | undefined;
  try {
    const rules = await runEtcdup(["alerts"]);
    await Deno.writeTextFile(path.join(dir, "etcd.yml"), rules.stdout);
    await Deno.writeTextFile(
      path.join(dir, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        "rule_files: [etcd.yml]",
        "scrape_configs:",
        "  - job_name: etcd",
        `    static_configs: [{ targets: ["127.0.0.2:${metricsPort}"] }]`,
        "",
      ].join("\n"),
    );
    const web = freePort();
    proc = new Deno.Command(prometheus, {
      args: [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${web}`,
        "--log.level=warn",
      ],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const api = `http://127.0.0.1:${web}/api/v1`;
    const query = async (q: string) => {
      const res = await fetch(`${api}/query?query=${encodeURIComponent(q)}`);
      return (await res.json()).data?.result as { metric: Record<string, string>; value: [number, string] }[];
    };
    const leader = await waitUntil(
      async () => {
        const r = await query('etcd_server_has_leader{job="etcd"}');
        return r?.length === 1 ? r[0] : undefined;
      },
      60_000,
      "Prometheus to scrape etcd_server_has_leader from 127.0.0.2",
    );
    assert.equal(leader.metric.instance, `127.0.0.2:${metricsPort}`);
    assert.equal(leader.value[1], "1");
    const quota = await query("etcd_server_quota_backend_bytes");
    assert.ok(Number(quota[0].value[1]) > 0);
    const groups = await waitUntil(
      async () => {
        const res = await (await fetch(`${api}/rules`)).json();
        const g = res.data?.groups as { rules: { health: string; name: string }[] }[] | undefined;
        const all = g?.flatMap((x) => x.rules) ?? [];
        return all.length > 0 && all.every((r) => r.health === "ok") ? all : undefined;
      },
      30_000,
      "every rule to be evaluated without error",
    );
    assert.ok(groups.some((r) => r.name === "EtcdNoLeader"));
    const firing = await query('ALERTS{alertname="EtcdNoLeader"}');
    assert.deepEqual(firing, [], "a cluster with a leader does not fire EtcdNoLeader");
  } finally {
    if (proc) {
      proc.kill("SIGKILL");
      await proc.status;
    }
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backup --prometheus metrics: promtool parses them and they carry what EtcdBackupStale reads", async () => {
  const { promtool } = await prometheusFixture();
  const text = backupMetrics({ size: 4096, revision: 42 }, new Date(1_700_000_000_000));
  const lint = await exec([promtool, "check", "metrics"], { input: text });
  assert.equal(lint.code, 0, lint.stderr + lint.stdout);
  assert.match(text, /^etcdup_backup_last_success_timestamp_seconds 1700000000$/m);
  assert.match(text, /^etcdup_backup_last_revision 42$/m);
  const rules = (await runEtcdup(["alerts"])).stdout;
  assert.match(
    rules,
    /etcdup_backup_last_success_timestamp_seconds/,
    "the alert reads the metric backup writes",
  );
});
