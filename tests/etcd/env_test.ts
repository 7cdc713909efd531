/**
 * Version-aware /etc/default/etcd: the settings per etcd minor, and the proof that counts: a real etcd of
 * each fixture version starts with exactly the rendered file as its environment, serves /health over
 * mutual TLS with certificates from planPki, and refuses a client without a certificate.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { connect } from "node:tls";
import { envSettings, type EtcdConfig, parseEnvFile, renderEnvFile } from "../../lib/etcd/env.ts";
import { DEFAULT_QUOTA_BYTES } from "../../lib/plan/care.ts";
import { waitHealthy } from "../../lib/etcd/health.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { observePki } from "../../lib/pki/observe.ts";
import { type PkiRequest, planPki } from "../../lib/pki/plan.ts";
import { writePki } from "../../lib/pki/write.ts";
import { etcdFixture, type FixtureSuite } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";

const files = { envFile: "/etc/default/etcd", envLocalFile: "/etc/default/etcd.local" };

function config(
  pkiDir: string,
  dataDir: string,
  ports: { client: number; peer: number; metrics: number },
): EtcdConfig {
  return {
    name: "n1",
    dataDir,
    listenClientUrls: [`https://127.0.0.1:${ports.client}`],
    advertiseClientUrls: [`https://127.0.0.1:${ports.client}`],
    listenPeerUrls: [`https://127.0.0.1:${ports.peer}`],
    advertisePeerUrls: [`https://127.0.0.1:${ports.peer}`],
    listenMetricsUrls: [`http://127.0.0.1:${ports.metrics}`],
    initialCluster: `n1=https://127.0.0.1:${ports.peer}`,
    initialClusterState: "new",
    initialClusterToken: "etcd-test",
    caFile: `${pkiDir}/ca.crt`,
    serverCert: `${pkiDir}/server.crt`,
    serverKey: `${pkiDir}/server.key`,
    peerCert: `${pkiDir}/peer.crt`,
    peerKey: `${pkiDir}/peer.key`,
    compactionRetention: "1h",
    quotaBackendBytes: DEFAULT_QUOTA_BYTES,
    heartbeatMs: 100,
    electionMs: 1000,
  };
}

const keys = (version: string) =>
  envSettings(config("/p", "/d", { client: 1, peer: 2, metrics: 3 }), version).map(([k]) => k);

Deno.test("env: 3.4 enforces TLS 1.2 through cipher suites and asks for the zap logger", () => {
  const k = keys("v3.4.23");
  assert.ok(k.includes("ETCD_CIPHER_SUITES"));
  assert.ok(k.includes("ETCD_LOGGER"));
  assert.ok(!k.includes("ETCD_TLS_MIN_VERSION"));
  assert.ok(k.includes("ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK"));
});

Deno.test("env: 3.5 sets ETCD_TLS_MIN_VERSION; 3.6 uses feature gates instead of experimental flags", () => {
  const k35 = keys("v3.5.30");
  assert.ok(k35.includes("ETCD_TLS_MIN_VERSION") && !k35.includes("ETCD_CIPHER_SUITES"));
  assert.ok(k35.includes("ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK"));
  const k36 = keys("v3.6.6");
  assert.ok(k36.includes("ETCD_TLS_MIN_VERSION"));
  assert.ok(k36.includes("ETCD_FEATURE_GATES"));
  assert.ok(
    !k36.some((x) => x.startsWith("ETCD_EXPERIMENTAL_") || x === "ETCD_ENABLE_V2" || x === "ETCD_LOGGER"),
  );
});

Deno.test("env: ETCD_WAL_DIR only with a dedicated WAL dir, right after ETCD_DATA_DIR", () => {
  const base = config("/p", "/var/lib/etcd", { client: 1, peer: 2, metrics: 3 });
  assert.equal(envSettings(base, "v3.6.6").some(([k]) => k === "ETCD_WAL_DIR"), false);
  const keys = envSettings({ ...base, walDir: "/srv/wal" }, "v3.6.6");
  assert.deepEqual(keys.slice(1, 3), [["ETCD_DATA_DIR", "/var/lib/etcd"], ["ETCD_WAL_DIR", "/srv/wal"]]);
});

Deno.test("env: every version gets periodic compaction, the quota and the raft timing", () => {
  for (const version of ["v3.4.23", "v3.5.30", "v3.6.6"]) {
    const env = Object.fromEntries(
      envSettings(config("/p", "/d", { client: 1, peer: 2, metrics: 3 }), version),
    );
    assert.equal(env.ETCD_AUTO_COMPACTION_MODE, "periodic", version);
    assert.equal(env.ETCD_AUTO_COMPACTION_RETENTION, "1h", version);
    assert.equal(env.ETCD_QUOTA_BACKEND_BYTES, "2147483648", version);
    assert.equal(env.ETCD_HEARTBEAT_INTERVAL, "100", version);
    assert.equal(env.ETCD_ELECTION_TIMEOUT, "1000", version);
  }
});

Deno.test("env: every setting is ETCD_*, unique, and the file parses back to the same values", () => {
  for (const version of ["v3.4.23", "v3.5.30", "v3.6.6"]) {
    const cfg = config("/etc/etcd/pki", "/var/lib/etcd", { client: 2379, peer: 2380, metrics: 2381 });
    const settings = envSettings(cfg, version);
    assert.equal(new Set(settings.map(([k]) => k)).size, settings.length);
    assert.ok(settings.every(([k]) => k.startsWith("ETCD_")));
    const text = renderEnvFile(cfg, version, files);
    assert.deepEqual(parseEnvFile(text), Object.fromEntries(settings));
    assert.match(text, /\/etc\/default\/etcd\.local/);
    assert.equal(parseEnvFile(text).ETCD_LISTEN_METRICS_URLS, "http://127.0.0.1:2381");
  }
});

/** Ports nobody else in the suite uses: a per-process random block. */
function ports(): { client: number; peer: number; metrics: number } {
  const base = 30000 + Math.floor(Math.random() * 2000) * 3;
  return { client: base, peer: base + 1, metrics: base + 2 };
}

/** TLS handshake without a client certificate: etcd must end the connection (no data flows). */
async function refusedWithoutClientCert(port: number, ca: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      sock.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
    sock.on("data", () => {
      sock.destroy();
      resolve(false);
    });
    sock.on("error", () => resolve(true));
    sock.on("close", () => resolve(true));
  });
}

for (const suite of ["bookworm", "sid"] as FixtureSuite[]) {
  Deno.test(`env: real etcd (${suite} fixture) runs from the rendered file and serves mutual TLS only`, async () => {
    const fx = await etcdFixture(suite);
    const dir = await Deno.makeTempDir({ prefix: "etcdup-env-" });
    let child: Deno.ChildProcess | undefined;
    try {
      await execOk(["tar", "xzf", fx.tarball, "-C", dir]);
      const etcd = path.join(dir, `etcd-${fx.version}-linux-amd64`, "etcd");
      const host = new HostRoot(path.join(dir, "root"));
      await Deno.mkdir(host.root);
      const req: PkiRequest = {
        layout: "etcd",
        pkiDir: "/pki",
        algorithm: "ecdsa-p256",
        memberName: "n1",
        sans: { dns: ["localhost"], ips: ["127.0.0.1"] },
        certDays: 30,
        caDays: 60,
        now: new Date(),
      };
      const etcdIds = { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 };
      const observed = observePki(host, req, { etcd: etcdIds });
      const pki = await planPki(req, observed);
      writePki(pki, observed, host, new Date(), etcdIds);
      const p = ports();
      const cfg = {
        ...config(host.resolve("/pki"), path.join(dir, "data"), p),
        walDir: path.join(dir, "wal"),
        // Care values that are not the defaults, so etcd's own report proves each reached it.
        compactionRetention: "30m",
        quotaBackendBytes: 1024 ** 3,
        heartbeatMs: 50,
        electionMs: 500,
      };
      const env = parseEnvFile(renderEnvFile(cfg, fx.version, files));
      assert.equal(env.ETCD_WAL_DIR, cfg.walDir);
      child = new Deno.Command(etcd, { env, clearEnv: true, stdout: "null", stderr: "piped" }).spawn();
      await waitHealthy({
        endpoints: [`https://127.0.0.1:${p.client}`],
        caFile: host.resolve(pki.paths.caCert),
        certFile: host.resolve(pki.paths.adminCert),
        keyFile: host.resolve(pki.paths.adminKey),
        timeoutMs: 20_000,
      });
      const ca = await Deno.readTextFile(host.resolve(pki.paths.caCert));
      assert.equal(
        await refusedWithoutClientCert(p.client, ca),
        true,
        "a client without a certificate was served",
      );
      const metrics = await fetch(`http://127.0.0.1:${p.metrics}/health`);
      assert.equal(metrics.status, 200);
      await metrics.body?.cancel();
      // ETCD_WAL_DIR (--wal-dir): etcd keeps its write-ahead log there, not in the data dir
      const wal = [...Deno.readDirSync(cfg.walDir)].map((e) => e.name);
      assert.ok(wal.some((n) => n.endsWith(".wal")), `no WAL segment in ${cfg.walDir}: ${wal}`);
      assert.equal(Deno.statSync(path.join(dir, "data", "member", "snap")).isDirectory, true);
      assert.equal(
        [...Deno.readDirSync(path.join(dir, "data", "member"))].some((e) => e.name === "wal"),
        false,
        "the data dir holds no WAL",
      );
      const scraped = await (await fetch(`http://127.0.0.1:${p.metrics}/metrics`)).text();
      assert.match(scraped, /^etcd_server_quota_backend_bytes 1\.073741824e\+09$/m);
    } finally {
      if (child) {
        child.kill("SIGKILL");
        const err = await new Response(child.stderr).text();
        await child.status;
        for (const said of [/"auto-compaction-mode":"periodic"/, /"auto-compaction-retention":"30m0s"/]) {
          assert.match(err, said);
        }
        assert.match(err, /"heartbeat-interval":"50ms"/);
        assert.match(err, /"election-timeout":"500ms"/);
        if (/unrecognized environment variable/.test(err)) {
          assert.fail(
            `etcd ${suite} warned about a rendered variable:\n${err.match(/.*unrecognized.*/g)?.join("\n")}`,
          );
        }
      }
      await Deno.remove(dir, { recursive: true });
    }
  });
}
