/**
 * Day two in a real systemd container with real etcd of two minors (Debian's 3.4.23 and 3.5.x packed as
 * release tarballs, passed with --sha256): a two-minor jump is refused; an upgrade to a release whose etcd
 * cannot start is rolled back with the data intact; 3.4 -> 3.5 does what its dry run listed (snapshot and
 * restart included), keeps the keys, leaves a verified snapshot and refreshes the bash completion; status reports health and drift; uninstall keeps the user-edited env file,
 * the data and the PKI and nothing else etcdup wrote; a later --purge (with only uninstall's record of what
 * it kept) removes those too. One container in its own network namespace, steps in order.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import * as path from "node:path";
import { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { Network } from "./harness/network.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { brokenRelease } from "../support/broken_release.ts";
import type { ExecResult } from "../support/exec.ts";
import { sha256Hex } from "../../lib/hash.ts";

/** The SHA-256 of a file seen from the host. */
const sha256Of = async (file: string) => sha256Hex(await Deno.readFile(file));

/** Fails with the command's output when it did not exit as expected. */
function expectExit(r: ExecResult, code: number, what: string): void {
  if (r.code !== code) {
    throw new Error(
      `${what}: exit ${r.code}, expected ${code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
}

/** The `result` of a `--json` run (its last line). */
function jsonResult(r: ExecResult): Record<string, unknown> {
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const result = lines.find((l) => l.event === "result");
  if (!result) throw new Error(`no result event in:\n${r.stdout}`);
  return result.result as Record<string, unknown>;
}

/** The `action path` pairs of an upgrade result's changes, sorted, its dated backup dir named `<backup>`. */
function changePairs(result: Record<string, unknown>): string[] {
  const changes = result.changes as { path: string; action: string }[];
  return changes.map((c) =>
    `${c.action} ${c.path.replace(/^\/var\/lib\/etcdup\/backups\/[^/]+/, "<backup>")}`
  )
    .sort();
}

Deno.test("day two: refused jump, rollback of a broken release, 3.4 -> 3.5 upgrade, status, uninstall, purge", async (t) => {
  const [old, next, etcdup] = await Promise.all([
    etcdFixture("bookworm"),
    etcdFixture("sid"),
    etcdupUnderTest(),
  ]);
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-daytwo-" });
  const net = await Network.create();
  let ct: Container | undefined;
  try {
    const broken = await brokenRelease(next, tmp);
    const host = await net.addHost();
    ct = await Container.boot({ name: "daytwo", netns: host.netns, binds: etcdup.binds });
    const c = ct;
    const oldTar = `/root/rel/${path.basename(old.tarball)}`;
    const nextTar = `/root/rel/${path.basename(next.tarball)}`;
    const brokenTar = `/root/broken/${path.basename(broken.tarball)}`;
    await c.copyIn(old.tarball, oldTar);
    await c.copyIn(next.tarball, nextTar);
    await c.copyIn(broken.tarball, brokenTar);
    const run = (args: string[]) => etcdup.run(c, args, { timeoutMs: 240_000 });
    const etcdctl = (cmd: string) => c.shell(`etcdctl ${cmd}`);
    const etcdVersion = async () => (await c.execOk(["/usr/local/bin/etcd", "--version"])).split("\n")[0];
    const state = async () => JSON.parse(await Deno.readTextFile(c.path("/var/lib/etcdup/state.json")));
    const getFoo = async () => (await etcdctl("get foo --print-value-only")).stdout.trim();

    expectExit(await run(["install", "--tarball", oldTar, "--sha256", old.sha256]), 0, "install 3.4.23");
    expectExit(await etcdctl("put foo bar"), 0, "etcdctl put");
    assertEquals(await getFoo(), "bar");

    await t.step("a jump over two minors is refused and changes nothing", async () => {
      const r = await run(["upgrade", "--version", "v3.6.6", "--json"]);
      expectExit(r, 7, "upgrade 3.4 -> 3.6");
      assertMatch(r.stdout, /"code":"unsupported-upgrade-path"/);
      assertMatch(await etcdVersion(), /3\.4\.23/);
    });

    await t.step(
      "a release whose etcd cannot start is rolled back to 3.4.23 with the data intact",
      async () => {
        const r = await run([
          "upgrade",
          "--tarball",
          brokenTar,
          "--sha256",
          broken.sha256,
          "--health-timeout",
          "30",
        ]);
        expectExit(r, 4, "upgrade to the broken release");
        assertMatch(r.stderr, /rolled back/);
        assertMatch(await etcdVersion(), /3\.4\.23/);
        assertEquals((await c.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "active");
        assertEquals(await getFoo(), "bar");
        assertEquals((await state()).version, "v3.4.23");
        assertEquals((await c.exec(["test", "-e", "/usr/local/bin/etcdutl"])).code, 1, "3.4 has no etcdutl");
      },
    );

    await t.step(
      `upgrade 3.4.23 -> ${next.version} does what its dry run said, keeps the keys, leaves a verified snapshot`,
      async () => {
        const args = ["upgrade", "--tarball", nextTar, "--sha256", next.sha256, "--json"];
        const dry = await run([...args, "--dry-run"]);
        expectExit(dry, 0, `upgrade --dry-run to ${next.version}`);
        const r = await run(args);
        expectExit(r, 0, `upgrade to ${next.version}`);
        assertEquals(
          changePairs(jsonResult(r)),
          changePairs(jsonResult(dry)),
          "apply did what the dry run said",
        );
        assertEquals(changePairs(jsonResult(dry)).filter((p) => /^(snapshot|restart) /.test(p)), [
          "restart etcd.service",
          "snapshot <backup>/snapshot.db",
        ], "a running etcd: snapshot first, restart and health at the end");
        assertMatch(await etcdVersion(), new RegExp(next.version.slice(1).replaceAll(".", "\\.")));
        assertEquals(await getFoo(), "bar");
        assertEquals((await state()).version, next.version);
        const snaps = (await c.execOk(["sh", "-c", "ls /var/lib/etcdup/backups/*-v3.4.23/snapshot.db"]))
          .trim()
          .split("\n");
        assertEquals(snaps.length, 2, "one snapshot per attempt");
        const status = JSON.parse(
          await c.execOk(["/usr/local/bin/etcdutl", "snapshot", "status", snaps[1], "-w", "json"]),
        );
        assertEquals(status.totalKey > 0, true);
        const env = await Deno.readTextFile(c.path("/etc/default/etcd"));
        assertMatch(env, /^ETCD_TLS_MIN_VERSION=TLS1\.2$/m);
        assertEquals(/^ETCD_LOGGER=/m.test(env), false, "3.4-only setting dropped");
        const completion = "/usr/share/bash-completion/completions/etcdctl";
        const text = await Deno.readTextFile(c.path(completion));
        assertEquals(text, await c.execOk(["/usr/local/bin/etcdctl", "completion", "bash"]), "refreshed");
        assertEquals((await state()).files[completion].sha256, await sha256Of(c.path(completion)));
      },
    );

    await t.step(
      "status: version, health, no drift (exit 0); an edited env file is drift (exit 6)",
      async () => {
        const ok = await run(["status", "--json"]);
        expectExit(ok, 0, "status");
        const report = jsonResult(ok);
        assertEquals((report.installed as { version: string }).version, next.version);
        assertEquals((report.health as { healthy: boolean }[]).every((h) => h.healthy), true);
        await Deno.writeTextFile(
          c.path("/etc/default/etcd"),
          "# tuned by the operator\nETCD_SNAPSHOT_COUNT=20000\n",
          {
            append: true,
          },
        );
        const drifted = await run(["status", "--json"]);
        expectExit(drifted, 6, "status after an edit");
        assertEquals(
          (jsonResult(drifted).drift as { path: string; status: string }[]).map((d) => [d.path, d.status]),
          [["/etc/default/etcd", "modified"]],
        );
      },
    );

    await t.step(
      "uninstall keeps the edited env file, the data and the PKI, and nothing else etcdup wrote",
      async () => {
        const before = await state();
        const r = await run(["uninstall"]);
        expectExit(r, 0, "uninstall");
        assertMatch(r.stderr, /kept \/etc\/default\/etcd/);
        for (const p of Object.keys(before.files)) {
          const kept = p === "/etc/default/etcd" || p.startsWith(`${before.pkiDir}/`);
          assertEquals(
            (await c.exec(["test", "-e", p])).code,
            kept ? 0 : 1,
            `${p} ${kept ? "kept" : "removed"}`,
          );
        }
        assertEquals((await c.exec(["test", "-d", `${before.dataDir}/member`])).code, 0, "data kept");
        assertEquals((await c.exec(["test", "-e", "/var/lib/etcdup/state.json"])).code, 1);
        assertEquals((await c.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "inactive");
        assertMatch((await run(["uninstall"])).stdout, /Nothing to uninstall/);
      },
    );

    await t.step(
      "after an uninstall, status says so and uninstall --purge removes the data and the PKI too",
      async () => {
        expectExit(await run(["install", "--tarball", nextTar, "--sha256", next.sha256]), 0, "reinstall");
        assertEquals(await getFoo(), "bar", "a reinstall finds the kept data");
        const before = await state();
        expectExit(await run(["uninstall"]), 0, "uninstall again");
        assertEquals((await c.exec(["test", "-e", "/var/lib/etcdup/state.json"])).code, 1);
        const status = await run(["status"]);
        expectExit(status, 7, "status after uninstall");
        assertMatch(status.stderr, /uninstalled etcd here/);
        expectExit(await run(["uninstall", "--purge"]), 0, "uninstall --purge");
        for (const p of [before.dataDir, before.pkiDir, "/var/lib/etcdup", "/usr/local/bin/etcd"]) {
          assertEquals((await c.exec(["test", "-e", p])).code, 1, `${p} removed`);
        }
      },
    );
  } finally {
    await ct?.destroy();
    await net.destroy();
    await Deno.remove(tmp, { recursive: true });
  }
});
