/**
 * `certs renew` and `certs rotate-ca` on a live node: a real systemd container (private network namespace)
 * installed by `etcdup install --tarball`, where the commands restart etcd.service and wait for health over
 * mutual TLS with the new certificates; a renewal etcd cannot come back from is rolled back to the old files.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Container } from "../e2e/harness/container.ts";
import { withFixtureNode } from "../support/fixture_node.ts";

const PKI = "/etc/etcd/pki";
const CTL = ["etcdctl", "--endpoints=https://127.0.0.1:2379", "--dial-timeout=3s", "--command-timeout=5s"];

/** etcdctl in the container with the given CA and client pair. */
function ctl(ct: Container, client: { ca: string; cert: string; key: string }, ...args: string[]) {
  return ct.exec([...CTL, `--cacert=${client.ca}`, `--cert=${client.cert}`, `--key=${client.key}`, ...args]);
}

const ADMIN = { ca: `${PKI}/ca.crt`, cert: `${PKI}/admin.crt`, key: `${PKI}/admin.key` };

Deno.test("certs renew and rotate-ca restart etcd.service and prove it healthy; a failed restart is rolled back", async (t) => {
  await withFixtureNode({ name: "certs", hostname: "certs-a", prefix: "10.93.0" }, async (node) => {
    const { etcdup, ct: c } = node;
    const install = await etcdup.run(c, node.install, { timeoutMs: 240_000 });
    assert.equal(install.code, 0, `${install.stderr}\n${install.stdout}`);
    assert.equal((await ctl(c, ADMIN, "put", "/keep", "me")).code, 0);
    const mainPid = async () =>
      (await c.execOk(["systemctl", "show", "-p", "MainPID", "--value", "etcd"])).trim();

    await t.step("certs check passes on a fresh install", async () => {
      const r = await etcdup.run(c, ["certs", "check"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    await t.step(
      "certs renew restarts etcd, which serves the new certificates with the data intact",
      async () => {
        const before = await Deno.readTextFile(c.path(`${PKI}/server.crt`));
        const pid = await mainPid();
        const r = await etcdup.run(c, ["certs", "renew"], { timeoutMs: 120_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /etcd\.service restarted and healthy with the new certificates/);
        assert.notEqual(await Deno.readTextFile(c.path(`${PKI}/server.crt`)), before);
        assert.notEqual(await mainPid(), pid, "etcd was restarted");
        assert.equal((await ctl(c, ADMIN, "get", "/keep", "--print-value-only")).stdout.trim(), "me");
        const state = JSON.parse(await Deno.readTextFile(c.path("/var/lib/etcdup/state.json")));
        const sha = createHash("sha256").update(await Deno.readFile(c.path(`${PKI}/server.crt`))).digest(
          "hex",
        );
        assert.equal(state.files[`${PKI}/server.crt`].sha256, sha, "install record follows the renewal");
        const status = await etcdup.run(c, ["certs", "check"]);
        assert.equal(status.code, 0, status.stdout);
      },
    );

    await t.step("a renewal etcd does not come back from is rolled back to the old files", async () => {
      const before = await Deno.readTextFile(c.path(`${PKI}/server.crt`));
      await c.execOk(["mkdir", "-p", "/etc/systemd/system/etcd.service.d"]);
      await Deno.writeTextFile(
        c.path("/etc/systemd/system/etcd.service.d/zz-break.conf"),
        "[Service]\nExecStartPre=/bin/false\n",
      );
      await c.execOk(["systemctl", "daemon-reload"]);
      const r = await etcdup.run(c, ["certs", "renew", "--health-timeout", "10"], { timeoutMs: 120_000 });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /the previous certificates were put back/);
      assert.equal(
        await Deno.readTextFile(c.path(`${PKI}/server.crt`)),
        before,
        "old server certificate restored",
      );
      await Deno.remove(c.path("/etc/systemd/system/etcd.service.d/zz-break.conf"));
      await c.execOk(["systemctl", "daemon-reload"]);
      await c.execOk(["systemctl", "restart", "etcd"], { timeoutMs: 60_000 });
      assert.equal((await ctl(c, ADMIN, "get", "/keep", "--print-value-only")).stdout.trim(), "me");
    });

    await t.step(
      "rotate-ca: new-CA clients work during the rotation; after --finish old-CA clients are refused",
      async () => {
        await c.execOk(["mkdir", "-p", "/root/old"]);
        for (const f of ["ca.crt", "admin.crt", "admin.key"]) {
          await c.execOk(["cp", `${PKI}/${f}`, `/root/old/${f}`]);
        }
        const r = await etcdup.run(c, ["certs", "rotate-ca"], { timeoutMs: 120_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /restarted and healthy/);
        assert.equal((await ctl(c, ADMIN, "get", "/keep", "--print-value-only")).stdout.trim(), "me");
        const oldCert = { ca: ADMIN.ca, cert: "/root/old/admin.crt", key: "/root/old/admin.key" };
        assert.equal(
          (await ctl(c, oldCert, "get", "/keep")).code,
          0,
          "old-CA client certificate still accepted",
        );
        const fin = await etcdup.run(c, ["certs", "rotate-ca", "--finish"], { timeoutMs: 120_000 });
        assert.equal(fin.code, 0, fin.stderr);
        assert.equal((await ctl(c, ADMIN, "get", "/keep", "--print-value-only")).stdout.trim(), "me");
        assert.notEqual((await ctl(c, oldCert, "get", "/keep")).code, 0, "old-CA client certificate refused");
        const oldOnly = { ca: "/root/old/ca.crt", cert: "/root/old/admin.crt", key: "/root/old/admin.key" };
        assert.notEqual(
          (await ctl(c, oldOnly, "get", "/keep")).code,
          0,
          "client trusting only the old CA refused",
        );
        const check = await etcdup.run(c, ["certs", "check"]);
        assert.equal(check.code, 0, check.stdout);
      },
    );
  });
});
