/**
 * Issue 14 (backup side), against real parts: a booted systemd container (bookworm), real etcd (3.5 from the
 * `sid` fixture, 3.4 from `bookworm`), etcdup placed at /usr/local/bin/etcdup by install (the wrapper of this
 * source tree, or the compiled binary). Proven: install writes and enables etcdup-backup.timer, which systemd
 * accepts; `systemctl start etcdup-backup.service` writes a verified snapshot through the placed etcdup;
 * `backup list` checks every digest; retention on snapshot files with faked times keeps exactly what the
 * policy says and never touches foreign files; a SIGKILL during backup leaves no partial snapshot under a
 * final name; status reports a stale newest snapshot (exit 6); restore refuses a missing, truncated, foreign
 * or altered file with its documented exit and error code, changing nothing; a member that lost its data
 * dir comes back with exactly the snapshot's keys; a SIGKILL during restore is finished by running it again;
 * uninstall removes the timer and etcdup but keeps the snapshots unless --purge-backups.
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { withFixtureNode } from "../support/fixture_node.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import type { ExecResult } from "../support/exec.ts";
import { waitUntil } from "../support/wait.ts";
import type { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { Network } from "./harness/network.ts";
import { Container as Ct } from "./harness/container.ts";
import { retain } from "../../lib/backup/retention.ts";
import { parseSnapshotName, snapshotFileName } from "../../lib/backup/names.ts";

const DIR = "/var/backups/etcd";
const ETCDCTL = "etcdctl --dial-timeout=3s --command-timeout=20s";

/** Fails with the command's output when it did not exit as expected. */
function expectExit(r: ExecResult, code: number, what: string): void {
  if (r.code !== code) {
    throw new Error(
      `${what}: exit ${r.code}, expected ${code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
}

/** The `result` of a `--json` run. */
function jsonResult(r: ExecResult): Record<string, unknown> {
  const lines = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const result = lines.find((l) => l.event === "result");
  if (!result) throw new Error(`no result event in:\n${r.stdout}\n${r.stderr}`);
  return result.result as Record<string, unknown>;
}

/** The error code of a failed `--json` run. */
function errorCode(r: ExecResult): string {
  const lines = (r.stdout + "\n" + r.stderr).split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l)
  );
  const err = lines.find((l) => l.event === "error");
  if (!err) throw new Error(`no error event in:\n${r.stdout}\n${r.stderr}`);
  return err.code as string;
}

/** etcdup's snapshot file names in the backup directory, sorted. */
async function snapshotNames(ct: Container): Promise<string[]> {
  const out = await ct.execOk(["ls", "-A", DIR]);
  return out.split("\n").filter((f) => parseSnapshotName(f) !== undefined).sort();
}

/** Every key in etcd (keys only), sorted. */
async function allKeys(ct: Container): Promise<string[]> {
  const r = await ct.shell(`${ETCDCTL} get "" --prefix --keys-only`);
  expectExit(r, 0, "etcdctl get --prefix");
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

/**
 * Runs `/usr/local/bin/etcdup ARGS` in its own process group, SIGKILLs the whole group as soon as the shell
 * test `seen` holds (polled every 5 ms, at most 15 s), and waits until no `tool` process is left.
 */
async function killWhen(ct: Container, args: string, seen: string, tool: string): Promise<void> {
  const r = await ct.exec([
    "bash",
    "-c",
    `setsid /usr/local/bin/etcdup ${args} >/dev/null 2>&1 & pid=$!; i=0; ` +
    `while ! { ${seen}; }; do i=$((i+1)); [ $i -gt 3000 ] && exit 9; sleep 0.005; done; kill -9 -- -$pid`,
  ], { timeoutMs: 120_000 });
  expectExit(r, 0, `SIGKILL of etcdup ${args} once '${seen}'`);
  await waitUntil(
    async () =>
      (await ct.exec(["sh", "-c", `grep -qsx ${tool} /proc/[0-9]*/comm`])).code === 1 ? true : undefined,
    30_000,
    `no ${tool} left`,
  );
}

/** Writes `n` keys big/0.. of `kib` KiB each (so snapshots take a moment). */
async function writeBigKeys(ct: Container, n: number, kib: number): Promise<void> {
  const r = await ct.shell(
    `head -c ${kib * 768} /dev/urandom | base64 -w0 > /root/value && for i in $(seq 1 ${n}); do ` +
      `${ETCDCTL} put big/$i < /root/value > /dev/null || exit 1; done`,
  );
  expectExit(r, 0, "writing big keys");
}

Deno.test("backup and restore on a real systemd node with etcd 3.5: timer, retention, SIGKILL, bad input, restore", async (t) => {
  await withFixtureNode(
    { name: "backup", hostname: "etcd-b", prefix: "10.93.0" },
    async ({ etcdup, ct, install }) => {
      const run = (args: string[]) => etcdup.run(ct, args, { timeoutMs: 240_000 });
      expectExit(await run(install), 0, "install");
      expectExit(await ct.shell(`${ETCDCTL} put a 1 && ${ETCDCTL} put b 2`), 0, "put a, b");

      await t.step(
        "install placed etcdup and enabled etcdup-backup.timer, which systemd accepts",
        async () => {
          assertEquals(
            (await ct.execOk(["stat", "-c", "%U:%G %a", "/usr/local/bin/etcdup"])).trim(),
            "root:root 755",
          );
          assertEquals(
            (await ct.exec(["systemctl", "is-enabled", "etcdup-backup.timer"])).stdout.trim(),
            "enabled",
          );
          assertEquals(
            (await ct.exec(["systemctl", "is-active", "etcdup-backup.timer"])).stdout.trim(),
            "active",
          );
          const verify = await ct.exec([
            "systemd-analyze",
            "verify",
            "/etc/systemd/system/etcdup-backup.timer",
            "/etc/systemd/system/etcdup-backup.service",
          ]);
          expectExit(verify, 0, "systemd-analyze verify");
          assert(!/etcdup-backup/.test(verify.stderr), `systemd complains:\n${verify.stderr}`);
          assertMatch(
            await ct.execOk(["systemctl", "list-timers", "--all", "etcdup-backup.timer"]),
            /etcdup-backup\.timer/,
          );
          assertEquals((await ct.execOk(["stat", "-c", "%U:%G %a", DIR])).trim(), "root:root 700");
        },
      );

      await t.step(
        "systemctl start etcdup-backup.service writes a verified snapshot through the placed etcdup",
        async () => {
          expectExit(
            await ct.exec(["systemctl", "start", "etcdup-backup.service"], { timeoutMs: 180_000 }),
            0,
            "start",
          );
          const names = await snapshotNames(ct);
          assertEquals(names.length, 1, names.join(","));
          assertMatch(names[0], /^etcdup-\d{8}T\d{6}\.\d{3}Z-etcd-b-v3\.5\.\d+\.db$/);
          const file = `${DIR}/${names[0]}`;
          assertEquals(
            (await ct.execOk(["stat", "-c", "%U:%G %a", file, `${file}.json`])).trim(),
            "root:root 600\nroot:root 600",
          );
          const record = JSON.parse(await ct.execOk(["cat", `${file}.json`]));
          assertEquals(record.sha256, (await ct.execOk(["sha256sum", file])).split(" ")[0]);
          const status = JSON.parse(
            await ct.execOk(["/usr/local/bin/etcdutl", "snapshot", "status", file, "-w", "json"]),
          );
          assertEquals(record.status, status);
          assertEquals(record.verifiedWith, "etcdutl");
          const journal = await ct.execOk(["journalctl", "-u", "etcdup-backup.service", "--no-pager"]);
          assertMatch(journal, /backup \/var\/backups\/etcd\/etcdup-/);
          const shown = await ct.execOk([
            "systemctl",
            "show",
            "etcdup-backup.service",
            "-p",
            "ExecStart",
            "-p",
            "Result",
          ]);
          assertMatch(shown, /path=\/usr\/local\/bin\/etcdup ; argv\[\]=\/usr\/local\/bin\/etcdup backup/);
          assertMatch(shown, /Result=success/);
        },
      );

      await t.step("backup --json and backup list: record, every digest checked", async () => {
        const r = await run(["backup", "--json"]);
        expectExit(r, 0, "backup");
        const res = jsonResult(r) as { file: string; record: { status: { totalKey: number } } };
        assert(res.record.status.totalKey >= 2);
        const list = await run(["backup", "list", "--json"]);
        expectExit(list, 0, "backup list");
        const snaps = jsonResult(list).snapshots as { digest: string; path: string }[];
        assertEquals(snaps.map((s) => s.digest), snaps.map(() => "ok"));
        assertEquals(snaps[0].path, res.file, "newest first");
        // the default policy keeps the newest snapshot of each hour: the timer's went if it was this hour's
        const pruned = (jsonResult(r) as { pruned: string[] }).pruned;
        assertEquals(snaps.length, 2 - pruned.length);
      });

      await t.step(
        "retention on faked times keeps exactly what the policy says, foreign files untouched",
        async () => {
          const [real] = await snapshotNames(ct);
          const record = JSON.parse(await ct.execOk(["cat", `${DIR}/${real}.json`]));
          const now = Date.now();
          const faked: string[] = [];
          for (const hoursAgo of [1, 2, 3, 5, 26, 27, 50, 24 * 9, 24 * 16, 24 * 40]) {
            const name = snapshotFileName(new Date(now - hoursAgo * 3600_000), "etcd-b", record.etcdVersion);
            faked.push(name);
            await ct.execOk(["cp", "-p", `${DIR}/${real}`, `${DIR}/${name}`]);
            await Deno.writeTextFile(
              ct.path(`${DIR}/${name}.json`),
              JSON.stringify({ ...record, file: name }),
            );
          }
          const foreign = ["keep-me.db", "etcdup-notes.db", "etcdup-20200101T000000Z-x-v3.5.0.db"];
          for (const f of foreign) await Deno.writeTextFile(ct.path(`${DIR}/${f}`), "not etcdup's snapshot");
          const before = await snapshotNames(ct);
          const r = await run([
            "backup",
            "--keep-hourly",
            "3",
            "--keep-daily",
            "2",
            "--keep-weekly",
            "2",
            "--json",
          ]);
          expectExit(r, 0, "backup with a policy");
          const taken = (jsonResult(r).file as string).split("/").pop()!;
          const candidates = [...before, taken].map((f) => parseSnapshotName(f)!);
          const expected = retain(candidates, { hourly: 3, daily: 2, weekly: 2 }).keep.map((s) => s.file)
            .sort();
          assertEquals(await snapshotNames(ct), expected);
          assert(expected.includes(taken), "the new snapshot is kept");
          assert(expected.length < candidates.length, "something was pruned");
          const left = (await ct.execOk(["ls", "-A", DIR])).split("\n");
          for (const f of foreign) assert(left.includes(f), `${f} untouched`);
          for (const f of expected) assert(left.includes(`${f}.json`), `${f} keeps its record`);
          assertEquals(
            left.filter((f) => f.endsWith(".json") && !expected.includes(f.slice(0, -5))),
            [],
            "no orphan records",
          );
          for (const f of foreign) await ct.execOk(["rm", `${DIR}/${f}`]);
        },
      );

      await t.step(
        "SIGKILL during backup leaves no partial snapshot under a final name; the next backup cleans up",
        async () => {
          await writeBigKeys(ct, 40, 512);
          const before = await snapshotNames(ct);
          await killWhen(ct, "backup", `ls -A ${DIR} | grep -q 'etcdup-partial'`, "etcdctl");
          assertEquals(await snapshotNames(ct), before, "no new snapshot under a final name");
          const r2 = await run(["backup", "--json"]);
          expectExit(r2, 0, "backup after the kill");
          assert((jsonResult(r2).cleaned as string[]).length >= 1, "the leftover was removed");
          const left = (await ct.execOk(["ls", "-A", DIR])).split("\n");
          assertEquals(left.filter((f) => f.includes("partial")), []);
          expectExit(await run(["backup", "list"]), 0, "every digest still ok");
        },
      );

      await t.step(
        "a snapshot that cannot be read back is deleted and backup exits 3; nothing else changes",
        async () => {
          const before = await snapshotNames(ct);
          const tool = "/usr/local/bin/etcdutl";
          await ct.execOk([
            "sh",
            "-c",
            `mv ${tool} ${tool}.real && printf '#!/bin/sh\necho unreadable >&2\nexit 1\n' > ${tool} && chmod 755 ${tool}`,
          ]);
          try {
            const r = await run(["backup", "--json"]);
            expectExit(r, 3, "backup with an unreadable snapshot");
            assertEquals(errorCode(r), "snapshot-unverified");
          } finally {
            await ct.execOk(["mv", `${tool}.real`, tool]);
          }
          assertEquals(await snapshotNames(ct), before, "no new snapshot, none pruned");
          const left = (await ct.execOk(["ls", "-A", DIR])).split("\n");
          assertEquals(left.filter((f) => f.includes("partial")), [], "the unreadable one was deleted");
        },
      );

      await t.step(
        "status shows the backups; a newest snapshot older than two periods is a problem (exit 6)",
        async () => {
          const ok = await run(["status", "--json"]);
          expectExit(ok, 0, "status");
          const b = jsonResult(ok).backups as {
            newest: { ageSeconds: number };
            timer: { lastResult: string; periodSeconds: number };
          };
          assert(b.newest.ageSeconds < 600);
          assertEquals([b.timer.lastResult, b.timer.periodSeconds], ["success", 3600]);
          await ct.execOk(["sh", "-c", `mkdir -p /root/hold && mv ${DIR}/etcdup-* /root/hold/`]);
          try {
            const [old] = (await ct.execOk(["ls", "/root/hold"])).split("\n").filter((f) =>
              f.endsWith(".db")
            );
            const record = JSON.parse(await ct.execOk(["cat", `/root/hold/${old}.json`]));
            const stale = snapshotFileName(new Date(Date.now() - 3 * 3600_000), "etcd-b", record.etcdVersion);
            await ct.execOk(["cp", "-p", `/root/hold/${old}`, `${DIR}/${stale}`]);
            await Deno.writeTextFile(
              ct.path(`${DIR}/${stale}.json`),
              JSON.stringify({ ...record, file: stale }),
            );
            const r = await run(["status", "--json"]);
            expectExit(r, 6, "status with a stale newest snapshot");
            assert((jsonResult(r).problems as string[]).some((p) => /more than two periods/.test(p)));
            await ct.execOk(["rm", `${DIR}/${stale}`, `${DIR}/${stale}.json`]);
          } finally {
            await ct.execOk(["sh", "-c", `mv /root/hold/etcdup-* ${DIR}/`]);
          }
        },
      );

      // The snapshot to restore: keys a, b and big/*; c is written after it.
      const taken = jsonResult(await run(["backup", "--json"])).file as string;
      const keysAtSnapshot = await allKeys(ct);
      expectExit(await ct.shell(`${ETCDCTL} put c 3`), 0, "put c after the snapshot");

      await t.step(
        "restore refuses a missing, truncated, foreign or altered file with its code; nothing changes",
        async () => {
          await ct.execOk([
            "sh",
            "-c",
            `head -c 4096 ${taken} > /root/truncated.db && cp /etc/passwd /root/foreign.db`,
          ]);
          await ct.execOk([
            "sh",
            "-c",
            `cp ${taken} /root/altered.db && cp ${taken}.json /root/altered.db.json && ` +
            `printf 'X' | dd of=/root/altered.db bs=1 seek=5000 conv=notrunc 2>/dev/null`,
          ]);
          await ct.execOk([
            "sh",
            "-c",
            `cp /root/truncated.db /root/cut.db && cp ${taken}.json /root/cut.db.json`,
          ]);
          const cases: [string, number, string][] = [
            ["/root/nothing-here.db", 2, "snapshot-missing"],
            ["/root/truncated.db", 3, "snapshot-unverified"],
            ["/root/foreign.db", 3, "snapshot-unverified"],
            ["/root/altered.db", 3, "snapshot-digest-mismatch"],
            ["/root/cut.db", 3, "snapshot-digest-mismatch"],
          ];
          for (const [file, exit, code] of cases) {
            const r = await run(["restore", file, "--json"]);
            expectExit(r, exit, `restore ${file}`);
            assertEquals(errorCode(r), code, file);
          }
          assertEquals((await ct.exec(["systemctl", "is-active", "etcd"])).stdout.trim(), "active");
          assertEquals(
            (await ct.shell(`${ETCDCTL} get c --print-value-only`)).stdout.trim(),
            "3",
            "data untouched",
          );
          assertEquals(
            (await ct.exec(["test", "-e", "/var/lib/etcdup/restore.json"])).code,
            1,
            "no restore begun",
          );
          assertEquals((await ct.exec(["sh", "-c", "ls -d /var/lib/etcd.*"])).code, 2, "no data dir moved");
        },
      );

      await t.step("a member that lost its data dir is back with exactly the snapshot's keys", async () => {
        await ct.execOk(["systemctl", "stop", "etcd"]);
        await ct.execOk(["rm", "-rf", "/var/lib/etcd"]);
        const r = await run(["restore", taken, "--json"]);
        expectExit(r, 0, "restore");
        const res = jsonResult(r);
        assertEquals(res.oldDataDir, undefined, "nothing to move aside");
        assert((res.servedRevision as number) >= (res.snapshotRevision as number));
        assertEquals(
          await allKeys(ct),
          keysAtSnapshot,
          "exactly the snapshot's keys (c was written after it)",
        );
        assertEquals((await ct.execOk(["stat", "-c", "%U:%G %a", "/var/lib/etcd"])).trim(), "etcd:etcd 700");
        expectExit(await run(["status"]), 0, "status after the restore");
      });

      await t.step(
        "SIGKILL during restore is finished by running it again; the old data dir is kept aside",
        async () => {
          expectExit(await ct.shell(`${ETCDCTL} put d 4`), 0, "put d");
          await killWhen(ct, `restore ${taken}`, "ls -d /var/lib/etcd.restore-* >/dev/null 2>&1", "etcdutl");
          assertEquals(
            (await ct.exec(["test", "-e", "/var/lib/etcdup/restore.json"])).code,
            0,
            "marker left",
          );
          const again = await run(["restore", taken, "--json"]);
          expectExit(again, 0, "restore again");
          const res = jsonResult(again);
          assertMatch(String(res.oldDataDir), /^\/var\/lib\/etcd\.before-restore-\d{8}T\d{6}Z$/);
          assertEquals(await allKeys(ct), keysAtSnapshot);
          assertEquals((await ct.exec(["test", "-d", `${res.oldDataDir}/member`])).code, 0, "old data kept");
          assertEquals(
            (await ct.exec(["test", "-e", "/var/lib/etcdup/restore.json"])).code,
            1,
            "marker gone",
          );
          assertEquals(
            (await ct.exec(["sh", "-c", "ls -d /var/lib/etcd.restore-*"])).code,
            2,
            "no staging left",
          );
        },
      );

      await t.step(
        "uninstall --purge removes the timer and etcdup, keeps the snapshots; --purge-backups removes them",
        async () => {
          const dry = await run(["uninstall", "--purge", "--dry-run"]);
          expectExit(dry, 0, "dry run");
          assertMatch(
            dry.stdout,
            /Kept \(use --purge-backups to delete\): \d+ snapshot\(s\) in \/var\/backups\/etcd/,
          );
          expectExit(await run(["uninstall", "--purge"]), 0, "uninstall --purge");
          for (
            const p of [
              "/usr/local/bin/etcdup",
              "/etc/systemd/system/etcdup-backup.timer",
              "/etc/systemd/system/etcdup-backup.service",
            ]
          ) {
            assertEquals((await ct.exec(["test", "-e", p])).code, 1, `${p} removed`);
          }
          assertEquals(
            (await ct.exec(["systemctl", "is-active", "etcdup-backup.timer"])).stdout.trim(),
            "inactive",
          );
          assert((await snapshotNames(ct)).length > 0, "snapshots kept");
          const purge = await run(["uninstall", "--purge-backups"]);
          expectExit(purge, 0, "uninstall --purge-backups");
          assertEquals((await ct.exec(["test", "-e", DIR])).code, 1, `${DIR} removed`);
        },
      );
    },
  );
});

Deno.test("backup and restore with etcd 3.4 (no etcdutl: etcdctl reads and restores)", async () => {
  const [old, etcdup] = await Promise.all([etcdFixture("bookworm"), etcdupUnderTest()]);
  const net = await Network.create("10.94.0");
  let ct: Ct | undefined;
  try {
    const host = await net.addHost();
    ct = await Ct.boot({ name: "backup34", hostname: "etcd-o", netns: host.netns, binds: etcdup.binds });
    const c = ct;
    await c.copyIn(old.tarball, "/root/etcd.tar.gz");
    const run = (args: string[]) => etcdup.run(c, args, { timeoutMs: 240_000 });
    expectExit(
      await run([
        "install",
        "--tarball",
        "/root/etcd.tar.gz",
        "--version",
        old.version,
        "--sha256",
        old.sha256,
      ]),
      0,
      "install 3.4",
    );
    expectExit(await c.shell(`${ETCDCTL} put x 1 && ${ETCDCTL} put y 2`), 0, "put");
    expectExit(
      await c.exec(["systemctl", "start", "etcdup-backup.service"], { timeoutMs: 180_000 }),
      0,
      "timer run",
    );
    const [name] = await snapshotNames(c);
    assertMatch(name, /-etcd-o-v3\.4\.23\.db$/);
    const record = JSON.parse(await c.execOk(["cat", `${DIR}/${name}.json`]));
    assertEquals(record.verifiedWith, "etcdctl");
    const keys = await allKeys(c);
    expectExit(await c.shell(`${ETCDCTL} put z 3`), 0, "put after");
    await c.execOk(["sh", "-c", "systemctl stop etcd && rm -rf /var/lib/etcd/member"]);
    const r = await run(["restore", `${DIR}/${name}`, "--json"]);
    expectExit(r, 0, "restore on 3.4");
    assertMatch(String(jsonResult(r).oldDataDir), /before-restore/);
    assertEquals(await allKeys(c), keys);
  } finally {
    await ct?.destroy();
    await net.destroy();
  }
});
