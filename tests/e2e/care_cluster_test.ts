/**
 * `etcdup maintain` on a three-member cluster of booted systemd containers (each in its own network
 * namespace on a private /24, one CA carried with `certs export` / `--ca-from`, the sid fixture's etcd):
 * every member defragmented one at a time, the leader last, while a writer keeps writing through all three
 * endpoints without one error; two runs started at once on two members never defragment at the same time
 * (etcd's lock); a member down is refused with exit 4 (`member-unhealthy`) and nothing defragmented.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { waitUntil } from "../support/wait.ts";
import { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { Network } from "./harness/network.ts";

const etcdup = await etcdupUnderTest();
const PKI = "/etc/etcd/pki";

/** What one run's result says about each defragmentation. */
interface Defrag {
  name: string;
  wasLeader: boolean;
  startedAt: string;
  endedAt: string;
}

/** The last JSON event (result or error) of a `--json` run. */
function last(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return lines.reverse().find((l) => l.event === "result" || l.event === "error") ?? {};
}

/** Asserts that no two of `runs`' defragmentations overlap in time. */
function oneAtATime(runs: Defrag[]): void {
  const spans = runs.map((d) => [Date.parse(d.startedAt), Date.parse(d.endedAt), d.name] as const)
    .sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i][0] >= spans[i - 1][1], `${spans[i][2]} started before ${spans[i - 1][2]} ended`);
  }
}

Deno.test("maintain on a 3-member cluster: leader last under a writer, two runs take turns, a member down refused", async (t) => {
  const fx = await etcdFixture("sid");
  const tarball = `/root/${path.basename(fx.tarball)}`;
  const net = await Network.create("10.116.0");
  const cts: Container[] = [];
  const work = await Deno.makeTempDir({ prefix: "etcdup-e2e-care-cluster-" });
  try {
    const hosts = await Promise.all([1, 2, 3].map(() => net.addHost()));
    hosts.sort((a, b) => a.address.localeCompare(b.address, "en", { numeric: true }));
    cts.push(
      ...await Promise.all(
        hosts.map((host, i) =>
          Container.boot({
            name: `care-c${i + 1}`,
            hostname: `c${i + 1}`,
            netns: host.netns,
            binds: etcdup.binds,
          })
        ),
      ),
    );
    for (const ct of cts) await ct.copyIn(fx.tarball, tarball);
    const endpoints = hosts.map((h) => `https://${h.address}:2379`).join(",");
    const ctl = (ct: Container, ...args: string[]) =>
      ct.exec([
        "etcdctl",
        `--endpoints=${endpoints}`,
        `--cacert=${PKI}/ca.crt`,
        `--cert=${PKI}/admin.crt`,
        `--key=${PKI}/admin.key`,
        "--dial-timeout=3s",
        "--command-timeout=10s",
        ...args,
      ]);
    const initialCluster = hosts.map((h, i) => `c${i + 1}=https://${h.address}:2380`).join(",");
    const install = (i: number, extra: string[]) =>
      etcdup.run(cts[i], [
        "install",
        "--tarball",
        tarball,
        "--sha256",
        fx.sha256,
        "--health-timeout",
        "120",
        "--name",
        `c${i + 1}`,
        "--advertise-address",
        hosts[i].address,
        "--initial-cluster",
        initialCluster,
        ...extra,
      ], { timeoutMs: 300_000 });

    await t.step("three members from one CA form a healthy cluster", async () => {
      const first = await install(0, ["--no-start"]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal((await etcdup.run(cts[0], ["certs", "export", "--out", "/root/ca.export"])).code, 0);
      await Deno.copyFile(cts[0].path("/root/ca.export"), path.join(work, "ca.export"));
      for (const ct of cts.slice(1)) await ct.copyIn(path.join(work, "ca.export"), "/root/ca.export", 0o600);
      const runs = await Promise.all(
        [0, 1, 2].map((i) => install(i, i === 0 ? [] : ["--ca-from", "/root/ca.export"])),
      );
      runs.forEach((r, i) => assert.equal(r.code, 0, `c${i + 1}: ${r.stderr}\n${r.stdout}`));
      assert.equal((await ctl(cts[0], "endpoint", "health")).code, 0);
    });

    await t.step(
      "every member defragmented, the leader last, while a writer writes without errors",
      async () => {
        const big = "z".repeat(64 * 1024);
        for (let i = 0; i < 60; i++) assert.equal((await ctl(cts[0], "put", `frag/${i % 3}`, big)).code, 0);
        const rev =
          /"revision":(\d+)/.exec((await ctl(cts[0], "endpoint", "status", "-w", "json")).stdout)![1];
        assert.equal((await ctl(cts[0], "compaction", "--physical", rev)).code, 0);
        // sh, not a login shell: /etc/profile.d's ETCDCTL_* would clash with the flags (etcdctl refuses both).
        const writer = cts[0].exec([
          "sh",
          "-c",
          // Until /root/stop-writer exists (nspawn's /tmp is a tmpfs the host cannot see into), 240 s at most.
          `ok=0; fail=0; end=$(($(date +%s) + 240)); ` +
          `while [ ! -e /root/stop-writer ] && [ "$(date +%s)" -lt "$end" ]; do ` +
          `if etcdctl --endpoints=${endpoints} --cacert=${PKI}/ca.crt --cert=${PKI}/admin.crt ` +
          `--key=${PKI}/admin.key --command-timeout=10s put w/$((ok % 10)) $ok >/dev/null 2>/tmp/writer.err; ` +
          `then ok=$((ok+1)); else fail=$((fail+1)); cat /tmp/writer.err; fi; done; echo "ok=$ok fail=$fail"`,
        ], { timeoutMs: 300_000 });
        await waitUntil(
          async () => (await ctl(cts[0], "get", "w/1")).stdout.includes("w/1") || undefined,
          30_000,
          "the writer to write",
        );
        const r = await etcdup.run(cts[1], ["maintain", "--min-db-size", "1MiB", "--json"], {
          timeoutMs: 240_000,
        });
        await cts[0].execOk(["touch", "/root/stop-writer"]);
        const w = await writer;
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const done = (last(r.stdout).result as { defragmented: Defrag[] }).defragmented;
        assert.equal(done.length, 3, r.stdout);
        assert.deepEqual(done.map((d) => d.wasLeader), [false, false, true], "the leader last");
        oneAtATime(done);
        assert.match(w.stdout, /ok=[1-9]\d* fail=0$/m, w.stdout);
      },
    );

    await t.step(
      "two maintain runs started at once on two members never defragment at the same time",
      async () => {
        const [a, b] = await Promise.all(
          [0, 2].map((i) => etcdup.run(cts[i], ["maintain", "--force", "--json"], { timeoutMs: 240_000 })),
        );
        assert.equal(a.code, 0, a.stdout + a.stderr);
        assert.equal(b.code, 0, b.stdout + b.stderr);
        const all = [a, b].flatMap((r) => (last(r.stdout).result as { defragmented: Defrag[] }).defragmented);
        assert.equal(all.length, 6);
        oneAtATime(all);
        assert.equal(
          (await ctl(cts[0], "get", "--prefix", "--keys-only", "etcdup/maintain")).stdout.trim(),
          "",
        );
      },
    );

    await t.step("a member down: maintain exits 4 (member-unhealthy) and defragments nothing", async () => {
      await cts[2].execOk(["systemctl", "stop", "etcd"], { timeoutMs: 60_000 });
      const r = await etcdup.run(cts[0], ["maintain", "--force", "--json"], { timeoutMs: 120_000 });
      assert.equal(r.code, 4, r.stdout + r.stderr);
      const err = last(r.stdout);
      assert.equal(err.code, "member-unhealthy");
      assert.match(String(err.message), /c3 .*nothing was changed/);
      assert.doesNotMatch(r.stdout, /defragmenting/);
      await cts[2].execOk(["systemctl", "start", "etcd"], { timeoutMs: 120_000 });
    });
  } finally {
    for (const ct of cts) await ct.destroy();
    await net.destroy();
    await Deno.remove(work, { recursive: true });
  }
});
