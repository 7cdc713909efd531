/**
 * Issue 15 on a real host: a booted systemd container installed by `etcdup install --tarball` (sid fixture,
 * etcd 3.5) with a tiny quota. The env file carries the care defaults; the timers are enabled and their
 * services run under systemd; the node is filled until NOSPACE and `etcdup maintain` brings it back to taking
 * writes; `etcdup-certs.service` started by systemctl is a no-op while nothing expires (etcd's MainPID
 * unchanged) and renews exactly the certificate made to expire within the window; `maintain` with etcd
 * stopped fails with its documented exit and code, and a quota above 8 GiB is refused before anything changes.
 */
import assert from "node:assert/strict";
import type { Container } from "./harness/container.ts";
import { withFixtureNode } from "../support/fixture_node.ts";
import { waitUntil } from "../support/wait.ts";

const PKI = "/etc/etcd/pki";
const CTL = [
  "etcdctl",
  "--endpoints=https://127.0.0.1:2379",
  `--cacert=${PKI}/ca.crt`,
  `--cert=${PKI}/admin.crt`,
  `--key=${PKI}/admin.key`,
  "--dial-timeout=3s",
  "--command-timeout=5s",
];

const ctl = (c: Container, ...args: string[]) => c.exec([...CTL, ...args]);

/** `systemctl start SERVICE` (a oneshot: returns when it ran), failing with the service's journal. */
async function runJob(c: Container, service: string): Promise<void> {
  const r = await c.exec(["systemctl", "start", service], { timeoutMs: 180_000 });
  if (r.code !== 0) {
    const journal = await c.exec(["journalctl", "-u", service, "--no-pager", "-n", "40"]);
    throw new Error(`systemctl start ${service} exited ${r.code}:\n${journal.stdout}`);
  }
}

/** The last JSON event (result or error) of a `--json` run. */
function last(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return lines.reverse().find((l) => l.event === "result" || l.event === "error") ?? {};
}

Deno.test("care on a live node: defaults, timers, NOSPACE recovered by maintain, certs timer renews only what expires", async (t) => {
  await withFixtureNode({ name: "care", hostname: "care-a", prefix: "10.115.0" }, async (node) => {
    const { etcdup, ct: c } = node;
    const mainPid = async () =>
      (await c.execOk(["systemctl", "show", "-p", "MainPID", "--value", "etcd"])).trim();

    await t.step(
      "a quota above 8 GiB is refused (exit 2, quota-too-large) before anything is written",
      async () => {
        const r = await etcdup.run(c, [...node.install, "--quota-backend-bytes", "9GiB", "--json"]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.equal(last(r.stdout).code, "quota-too-large");
        assert.equal(await c.exec(["test", "-e", "/etc/default/etcd"]).then((x) => x.code), 1);
      },
    );

    await t.step(
      "install writes the care defaults, runs the disk check and enables both timers",
      async () => {
        const r = await etcdup.run(c, [...node.install, "--quota-backend-bytes", "4MiB", "--tuning", "lan"], {
          timeoutMs: 240_000,
        });
        assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
        assert.match(r.stdout + r.stderr, /disk check: fdatasync p99 [\d.]+ ms/);
        const env = await Deno.readTextFile(c.path("/etc/default/etcd"));
        for (
          const line of [
            "ETCD_AUTO_COMPACTION_MODE=periodic",
            "ETCD_AUTO_COMPACTION_RETENTION=1h",
            "ETCD_QUOTA_BACKEND_BYTES=4194304",
            "ETCD_HEARTBEAT_INTERVAL=100",
            "ETCD_ELECTION_TIMEOUT=1000",
          ]
        ) assert.match(env, new RegExp(`^${line}$`, "m"));
        for (const timer of ["etcdup-certs.timer", "etcdup-maintain.timer"]) {
          assert.equal((await c.exec(["systemctl", "is-enabled", timer])).stdout.trim(), "enabled", timer);
          assert.equal((await c.exec(["systemctl", "is-active", timer])).stdout.trim(), "active", timer);
        }
      },
    );

    await t.step(
      "filled until NOSPACE, maintain compacts, defragments, disarms; writes work again",
      async () => {
        const big = "x".repeat(64 * 1024);
        await waitUntil(
          async () => {
            for (let i = 0; i < 10; i++) {
              const r = await ctl(c, "put", `fill/${i % 4}`, big);
              if (r.code !== 0) return /database space exceeded/.test(r.stderr) ? true : undefined;
            }
            return undefined;
          },
          180_000,
          "the 4 MiB quota to fill up",
          0,
        );
        assert.match((await ctl(c, "alarm", "list")).stdout, /NOSPACE/);
        const dry = await etcdup.run(c, ["maintain", "--dry-run"]);
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /would compact to the current revision \(NOSPACE\)/);
        const r = await etcdup.run(c, ["maintain", "--json"], { timeoutMs: 120_000 });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const result = last(r.stdout).result as { disarmed: string[]; compactedTo: number };
        assert.equal(result.disarmed.length, 1);
        assert.ok(result.compactedTo > 0);
        assert.equal((await ctl(c, "alarm", "list")).stdout.trim(), "");
        const put = await ctl(c, "put", "after-maintain", "ok");
        assert.equal(put.code, 0, put.stderr);
      },
    );

    await t.step(
      "systemctl start etcdup-certs.service with nothing expiring: no renewal, etcd not restarted",
      async () => {
        const pid = await mainPid();
        const server = await Deno.readTextFile(c.path(`${PKI}/server.crt`));
        await runJob(c, "etcdup-certs.service");
        assert.equal(await mainPid(), pid, "MainPID unchanged");
        assert.equal(await Deno.readTextFile(c.path(`${PKI}/server.crt`)), server);
        const journal = await c.execOk(["journalctl", "-u", "etcdup-certs.service", "--no-pager"]);
        assert.match(journal, /nothing expires within 30 days/);
      },
    );

    await t.step(
      "a server certificate made to expire within the window is renewed by the timer's service, alone",
      async () => {
        const short = await etcdup.run(c, ["certs", "renew", "server", "--cert-days", "10"], {
          timeoutMs: 120_000,
        });
        assert.equal(short.code, 0, short.stderr);
        const before = Object.fromEntries(
          await Promise.all(
            ["server", "peer", "admin"].map(async (
              r,
            ) => [r, await Deno.readTextFile(c.path(`${PKI}/${r}.crt`))]),
          ),
        );
        const pid = await mainPid();
        await runJob(c, "etcdup-certs.service");
        assert.notEqual(
          await Deno.readTextFile(c.path(`${PKI}/server.crt`)),
          before.server,
          "server renewed",
        );
        assert.equal(await Deno.readTextFile(c.path(`${PKI}/peer.crt`)), before.peer, "peer left alone");
        assert.equal(await Deno.readTextFile(c.path(`${PKI}/admin.crt`)), before.admin, "admin left alone");
        assert.notEqual(await mainPid(), pid, "etcd restarted to load it");
        assert.equal((await ctl(c, "get", "after-maintain", "--print-value-only")).stdout.trim(), "ok");
        const check = await etcdup.run(c, ["certs", "check"]);
        assert.equal(check.code, 0, check.stdout);
      },
    );

    await t.step("status shows each timer with its next run and last result", async () => {
      await runJob(c, "etcdup-maintain.service");
      const r = await etcdup.run(c, ["status", "--json"]);
      // The backup timer (lib/backup) is listed too; these two are this test's.
      const timers = (last(r.stdout).result as {
        timers: { timer: string; enabled: boolean; next?: string; lastResult?: string }[];
      }).timers.filter((x) => x.timer !== "etcdup-backup.timer");
      assert.deepEqual(timers.map((x) => [x.timer, x.enabled, x.lastResult]), [
        ["etcdup-certs.timer", true, "success"],
        ["etcdup-maintain.timer", true, "success"],
      ]);
      assert.ok(timers.every((x) => typeof x.next === "string" && x.next.length > 0), JSON.stringify(timers));
    });

    await t.step("maintain with etcd stopped: exit 5 (cluster-unreachable), nothing changed", async () => {
      await c.execOk(["systemctl", "stop", "etcd"], { timeoutMs: 60_000 });
      const r = await etcdup.run(c, ["maintain", "--json"], { timeoutMs: 60_000 });
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(last(r.stdout).code, "cluster-unreachable");
      await c.execOk(["systemctl", "start", "etcd"], { timeoutMs: 60_000 });
    });
  });
});
