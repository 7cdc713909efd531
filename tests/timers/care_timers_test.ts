/**
 * The certs and maintain timers through `install --root`: written and enabled, care settings and the
 * certificate textfile kept across re-runs through the state record, retired by --no-timers. Their planning
 * and status's view of timers, from data alone, are in care_plan_test.ts.
 */
import assert from "node:assert/strict";
import { main } from "../../main.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState } from "../../lib/host/state.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";

Deno.test("install --root: the timers written and enabled; care settings and --metrics-textfile-dir kept on a re-run; --no-timers retires them", async () => {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix: "etcdup-care-timers-" });
  try {
    const host = new HostRoot(root);
    const install = ["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256, "--quiet"];
    assert.equal(
      await main([
        ...install,
        "--metrics-textfile-dir",
        "/var/lib/prometheus/node-exporter",
        "--quota-backend-bytes",
        "4GiB",
        "--metrics-address",
        "127.0.0.2",
        "--election-timeout",
        "1500",
      ], {}),
      0,
    );
    assert.deepEqual(readState(host)?.timers, [
      "etcdup-backup.timer",
      "etcdup-certs.timer",
      "etcdup-maintain.timer",
    ]);
    assert.equal(readState(host)?.metricsTextfileDir, "/var/lib/prometheus/node-exporter");
    const certs = host.readText("/etc/systemd/system/etcdup-certs.service")!;
    assert.match(
      certs,
      /^ExecStart=\/usr\/local\/bin\/etcdup certs renew --if-expiring --prometheus \/var\/lib\/prometheus\/node-exporter\/etcdup-certs\.prom$/m,
    );
    assert.match(
      certs,
      /^ReadWritePaths=-\/etc\/etcd\/pki -\/var\/lib\/etcdup -\/var\/lib\/prometheus\/node-exporter$/m,
    );
    const backup = host.readText("/etc/systemd/system/etcdup-backup.service")!;
    assert.match(
      backup,
      /^ExecStart=\/usr\/local\/bin\/etcdup backup --prometheus \/var\/lib\/prometheus\/node-exporter\/etcdup-backup\.prom$/m,
    );
    assert.match(backup, /^ReadWritePaths=-\/var\/backups\/etcd -\/var\/lib\/prometheus\/node-exporter$/m);
    assert.match(
      host.readText("/etc/systemd/system/etcdup-maintain.service")!,
      /^ExecStart=\/usr\/local\/bin\/etcdup maintain$/m,
    );
    for (const t of ["etcdup-certs.timer", "etcdup-maintain.timer"]) {
      assert.ok(host.stat(`/etc/systemd/system/timers.target.wants/${t}`), `${t} enabled`);
    }
    assert.equal(await main(install, {}), 0, "a plain re-run");
    assert.match(
      host.readText("/etc/systemd/system/etcdup-certs.service")!,
      /--prometheus \/var\/lib\/prometheus/,
    );
    const env = () => host.readText("/etc/default/etcd")!;
    for (
      const kept of [
        "ETCD_QUOTA_BACKEND_BYTES=4294967296",
        "ETCD_LISTEN_METRICS_URLS=http://127.0.0.2:2381",
        "ETCD_ELECTION_TIMEOUT=1500",
      ]
    ) {
      assert.match(env(), new RegExp(`^${kept}$`, "m"), `a plain re-run keeps ${kept}`);
    }
    assert.equal(await main([...install, "--tuning", "wan"], {}), 0);
    assert.match(env(), /^ETCD_HEARTBEAT_INTERVAL=500$/m, "a preset given replaces the recorded timing");
    assert.match(env(), /^ETCD_ELECTION_TIMEOUT=5000$/m);
    assert.match(env(), /^ETCD_QUOTA_BACKEND_BYTES=4294967296$/m);

    const bad = await main([...install, "--certs-schedule", "when it suits"], {});
    assert.equal(bad, 2);
    assert.match(
      host.readText("/etc/systemd/system/etcdup-certs.timer")!,
      /^OnCalendar=daily$/m,
      "nothing changed",
    );

    assert.equal(await main([...install, "--no-timers"], {}), 0);
    assert.deepEqual(readState(host)?.timers, []);
    assert.equal(host.stat("/etc/systemd/system/etcdup-certs.timer"), undefined);
    assert.equal(host.stat("/etc/systemd/system/timers.target.wants/etcdup-maintain.timer"), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
