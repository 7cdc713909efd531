/**
 * Issue 14, cluster disaster recovery, proven on real hosts: systemd containers (nspawn) on a private switched
 * /24, real etcd from the `sid` fixture, one CA carried by `certs export` / `--ca-from`. A three-member cluster
 * with data refuses `recover` (it has quorum) and `join --replace` of a live member; a member whose host is
 * rebuilt (same address, fresh disk) comes back under its old name with `join --replace`; then two members
 * die for good, `join --replace` that would lose quorum is refused, the survivor's etcd restarts (never
 * ready without quorum), `recover` (SIGKILLed mid-way and run again) makes it a one-member cluster that serves writes with all old data, and two fresh hosts
 * `join --replace` under the old names: a healthy three-member cluster with all data, and an install re-run
 * on the survivor changes nothing.
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { waitUntil } from "../support/wait.ts";
import { assertRefused } from "../support/refusal.ts";
import { Exit } from "../../lib/errors.ts";
import type { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { Network, type NetworkHost } from "./harness/network.ts";
import { addHosts, bootMember, type MemberNode } from "./harness/member.ts";
import { etcdActivating, etcdctlOk, killMidway, members } from "./harness/etcdctl.ts";

const etcdup = await etcdupUnderTest();
const CA_EXPORT = "/root/ca.export";
const FORCE_DROP_IN = "/run/systemd/system/etcd.service.d/50-etcdup-force-new-cluster.conf";
const FORCE_ENV = "/run/etcdup/force-new-cluster.env";
const RECOVERY_RECORD = "/var/lib/etcdup/recovery.json";

/** A step of recover's plan as `--json` lists it (the dry run's `result.steps`, the run's, its step events). */
interface Step {
  kind: string;
  target: string;
}

/** `kind target` of each step, in order. */
const stepList = (steps: Step[]) => steps.map((s) => `${s.kind} ${s.target}`);

/** The `--json` result of a run's stdout. */
function resultOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.split("\n").find((l) => l.includes('"event":"result"'))!).result;
}

/** The steps a run reported done (`--json` step events naming a step), in order. */
function stepsDone(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .filter((e) => e.event === "step" && e.step).map((e) => `${e.step} ${e.target}`);
}

/** One host of the test: its container, address and the member name it runs. */
type Node = MemberNode;

/** The keys under /data/ and their values, as `node` serves them. */
async function data(node: Node): Promise<string> {
  return await etcdctlOk(node, ["get", "/data/", "--prefix"]);
}

Deno.test("recovery: recover after quorum loss (killed and resumed), join --replace of dead members, refusals (issue 14)", async (t) => {
  const fx = await etcdFixture("sid");
  const tarball = `/root/${path.basename(fx.tarball)}`;
  const release = ["--tarball", tarball, "--sha256", fx.sha256, "--health-timeout", "120"];
  const net = await Network.create("10.90.0");
  const cts: Container[] = [];
  const work = await Deno.makeTempDir({ prefix: "etcdup-e2e-recovery-" });
  const caCopy = path.join(work, "ca.export");
  const setup = { binds: etcdup.binds, tarball: { from: fx.tarball, to: tarball }, booted: cts };
  /** Boots a machine for the member `name` in `host`'s namespace (the CA export is copied in once made). */
  const boot = (host: NetworkHost, name: string, label: string) =>
    bootMember(setup, host, name, `recovery-${label}`);
  const memberArgs = (n: Node) => ["--name", n.name, "--advertise-address", n.host.address];
  try {
    const hosts = await addHosts(net, 5);
    // n1..n3 form the cluster; the hosts at .14 and .15 are fresh machines that later replace n2 and n3.
    const [n1, n2, n3, fresh2, fresh3] = await Promise.all([
      boot(hosts[0], "n1", "n1"),
      boot(hosts[1], "n2", "n2"),
      boot(hosts[2], "n3", "n3"),
      boot(hosts[3], "n2", "new-n2"),
      boot(hosts[4], "n3", "new-n3"),
    ]);
    const trio = [n1, n2, n3];
    const initialCluster = trio.map((n) => `${n.name}=https://${n.host.address}:2380`).join(",");
    const install = (n: Node) => [
      "install",
      ...release,
      ...memberArgs(n),
      "--initial-cluster",
      initialCluster,
      ...(n === n1 ? [] : ["--ca-from", CA_EXPORT]),
    ];
    const replace = (n: Node, name: string) => [
      "join",
      "--replace",
      name,
      n1.clientUrl,
      ...release,
      "--advertise-address",
      n.host.address,
      "--ca-from",
      CA_EXPORT,
      "--json",
    ];

    await t.step("a three-member cluster with data", async () => {
      const r = await etcdup.run(n1.ct, [...install(n1), "--no-start"], { timeoutMs: 300_000 });
      assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assertEquals((await etcdup.run(n1.ct, ["certs", "export", "--out", CA_EXPORT])).code, 0);
      await Deno.copyFile(n1.ct.path(CA_EXPORT), caCopy);
      for (const n of [n2, n3, fresh2, fresh3]) await n.ct.copyIn(caCopy, CA_EXPORT, 0o600);
      const runs = await Promise.all(trio.map((n) => etcdup.run(n.ct, install(n), { timeoutMs: 300_000 })));
      runs.forEach((r, i) => assertEquals(r.code, 0, `${trio[i].name}: ${r.stderr}\n${r.stdout}`));
      for (let i = 0; i < 20; i++) {
        await etcdctlOk(n1, ["put", `/data/k${String(i).padStart(2, "0")}`, `v${i}`]);
      }
      assertEquals((await members(n1)).map((m) => m.name), ["n1", "n2", "n3"]);
    });
    const before = await data(n1);

    await t.step("recover on a healthy cluster is refused: exit 7, cluster-has-quorum", async () => {
      const r = await etcdup.run(n1.ct, ["recover", "--json"], { timeoutMs: 120_000 });
      assertRefused(
        r,
        Exit.precondition,
        "cluster-has-quorum",
        /follows the leader .*3 of 3 voting members answer/,
      );
      assertEquals((await n1.ct.exec(["test", "-e", FORCE_DROP_IN])).code, 1, "no force drop-in written");
    });

    await t.step("join --replace of a live member is refused: exit 7, replace-live-member", async () => {
      const r = await etcdup.run(fresh2.ct, replace(fresh2, "n2"), { timeoutMs: 300_000 });
      assertRefused(r, Exit.precondition, "replace-live-member", /member n2 answers/);
      assertEquals((await members(n1)).map((m) => m.name), ["n1", "n2", "n3"]);
    });

    await t.step(
      "n2's data is lost on its own host: join --replace n2 there moves the old data dir aside",
      async () => {
        // "Dead for good" on a host that stays: etcd stopped and its database destroyed.
        await n2.ct.execOk(["systemctl", "stop", "etcd"]);
        await n2.ct.execOk(["truncate", "-s", "0", "/var/lib/etcd/member/snap/db"]);
        const r = await etcdup.run(n2.ct, replace(n2, "n2"), { timeoutMs: 300_000 });
        assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
        assertMatch(r.stdout, /removed the dead member n2/);
        assertMatch(
          r.stdout,
          /moved the data dir of the former member aside to \/var\/lib\/etcd\.before-replace-\d{8}T\d{6}Z/,
        );
        const aside = (await n2.ct.execOk(["bash", "-c", "ls -d /var/lib/etcd.before-replace-*"])).trim();
        assertEquals(
          (await n2.ct.exec(["test", "-d", `${aside}/member/wal`])).code,
          0,
          "the old data is kept",
        );
        assertEquals((await members(n1)).map((m) => [m.name, m.learner]), [["n1", false], ["n2", false], [
          "n3",
          false,
        ]]);
        assertEquals(await etcdctlOk(n2, ["get", "/data/", "--prefix", "--consistency=s"]), before);
      },
    );

    let rebuilt = n3;
    await t.step(
      "n3's host is rebuilt (same address, fresh disk) and comes back with join --replace n3",
      async () => {
        await n3.ct.destroy();
        rebuilt = await boot(n3.host, "n3", "rebuilt-n3");
        await rebuilt.ct.copyIn(caCopy, CA_EXPORT, 0o600);
        const r = await etcdup.run(rebuilt.ct, replace(rebuilt, "n3"), { timeoutMs: 300_000 });
        assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
        assertMatch(r.stdout, /removed the dead member n3/);
        assertMatch(r.stdout, /is a voting member/);
        assertEquals(await members(n1), [
          { name: "n1", peer: `https://${n1.host.address}:2380`, learner: false },
          { name: "n2", peer: `https://${n2.host.address}:2380`, learner: false },
          { name: "n3", peer: `https://${n3.host.address}:2380`, learner: false },
        ]);
        assertEquals(await etcdctlOk(rebuilt, ["get", "/data/", "--prefix", "--consistency=s"]), before);
      },
    );

    await t.step("two members die for good: join --replace that would lose quorum is refused", async () => {
      await Promise.all([n2.ct.destroy(), rebuilt.ct.destroy()]);
      const r = await etcdup.run(fresh2.ct, replace(fresh2, "n2"), { timeoutMs: 300_000 });
      assertRefused(
        r,
        Exit.precondition,
        "replace-loses-quorum",
        /3 voting member\(s\), 1 answering \(a change needs a quorum of 2\); removing n2 leaves 2/,
      );
      // Without quorum etcdctl cannot list the members; recover below finds n2 and n3 still listed.
    });

    /** The steps `recover --dry-run` listed before the killed run. */
    let planned: string[] = [];
    await t.step(
      "recover --dry-run on a survivor restarted without quorum says what it would do, changes nothing",
      async () => {
        // Restarted without a quorum, n1 never gets ready: its client API does not serve, its peer API does.
        await n1.ct.execOk(["systemctl", "restart", "--no-block", "etcd"]);
        await waitUntil(
          () => etcdActivating(n1.ct).then((a) => a || undefined),
          30_000,
          "n1's etcd restarting",
        );
        const r = await etcdup.run(n1.ct, ["recover", "--dry-run"], { timeoutMs: 120_000 });
        assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
        assertMatch(r.stdout, /Would make n1 a one-member cluster with all its data, dropping n2, n3/);
        assertMatch(r.stdout, new RegExp(`etcdup join --replace n2 ${n1.clientUrl} --ca-from`));
        const json = await etcdup.run(n1.ct, ["recover", "--dry-run", "--json"], { timeoutMs: 120_000 });
        assertEquals(json.code, 0, `${json.stderr}\n${json.stdout}`);
        planned = stepList(resultOf(json.stdout).steps as Step[]);
        assertEquals(planned.map((s) => s.split(" ")[0]), [
          "write-record",
          "place-force",
          "force-start",
          "record-solo",
          "clear-force",
          "restart",
          "remove-record",
        ]);
        for (const f of [FORCE_DROP_IN, FORCE_ENV, RECOVERY_RECORD]) {
          assertEquals((await n1.ct.exec(["test", "-e", f])).code, 1, `${f} not written by a dry run`);
        }
      },
    );

    await t.step("recover SIGKILLed during the forced start is finished by a re-run", async () => {
      // etcd's next start is held, so recover is surely between "force flag written, restart queued" and
      // "flag removed" when it is killed.
      const killed = await killMidway(
        n1.ct,
        (recording) => etcdup.run(recording, ["recover", "--json"], { timeoutMs: 300_000 }),
        async () => (await n1.ct.exec(["test", "-e", FORCE_ENV])).code === 0 && await etcdActivating(n1.ct),
        "recover to write the force flag and restart etcd",
      );
      assert(killed.code !== 0, `recover was killed: ${JSON.stringify(killed)}`);
      assertEquals((await n1.ct.exec(["test", "-e", RECOVERY_RECORD])).code, 0, "the recovery record stays");
      // etcd starts once with the flag, which its ExecStartPost deletes as soon as etcd is ready.
      await waitUntil(
        async () => (await n1.ct.exec(["test", "-e", FORCE_ENV])).code === 1 || undefined,
        90_000,
        "the forced start to consume the flag",
        250,
      );

      // The killed run did the dry run's first steps, up to the forced start it was killed in.
      const killedDone = stepsDone(killed.stdout);
      assertEquals(killedDone, planned.slice(0, 2), "the killed run did what the dry run listed first");
      // What is left is planned again from what the killed run left, and done exactly.
      const dry = await etcdup.run(n1.ct, ["recover", "--dry-run", "--json"], { timeoutMs: 120_000 });
      assertEquals(dry.code, 0, `${dry.stderr}\n${dry.stdout}`);
      const rest = resultOf(dry.stdout);
      assertEquals(rest.stage, "finish");
      assertEquals(stepList(rest.steps as Step[]), planned.slice(3), "the rest of the first dry run's list");

      const r = await etcdup.run(n1.ct, ["recover", "--json"], { timeoutMs: 300_000 });
      assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assertMatch(r.stdout, /resuming an interrupted recover/);
      const result = resultOf(r.stdout) as { removed: string[]; commands: string[]; steps: Step[] };
      assertEquals(
        stepList(result.steps),
        stepList(rest.steps as Step[]),
        "the run did what its dry run listed",
      );
      assertEquals(stepsDone(r.stdout), stepList(result.steps), "each step reported as it was done");
      assertEquals(result.removed, ["n2", "n3"]);
      assertEquals(result.commands, [
        "etcdup certs export --out /root/etcd-ca.export",
        `etcdup join --replace n2 ${n1.clientUrl} --ca-from /root/etcd-ca.export`,
        `etcdup join --replace n3 ${n1.clientUrl} --ca-from /root/etcd-ca.export`,
      ]);
      for (const f of [FORCE_DROP_IN, FORCE_ENV, RECOVERY_RECORD]) {
        assertEquals((await n1.ct.exec(["test", "-e", f])).code, 1, `${f} removed`);
      }
      assertEquals((await members(n1)).map((m) => m.name), ["n1"]);
      assertEquals(await data(n1), before, "all the old data");
      await etcdctlOk(n1, ["put", "/data/after-recover", "yes"]);
      const env = await n1.ct.execOk(["cat", "/etc/default/etcd"]);
      assertMatch(env, new RegExp(`^ETCD_INITIAL_CLUSTER="?n1=https://${n1.host.address}:2380"?$`, "m"));
      assert(
        !/FORCE/.test(
          await n1.ct.execOk(["systemctl", "show", "-p", "Environment", "-p", "EnvironmentFiles", "etcd"]),
        ),
      );
    });

    await t.step("a re-run of recover on the recovered member is refused: it has quorum", async () => {
      const r = await etcdup.run(n1.ct, ["recover", "--json"], { timeoutMs: 120_000 });
      assertRefused(r, Exit.precondition, "cluster-has-quorum", /1 of 1 voting members answer/);
    });

    await t.step(
      "two fresh hosts join --replace under the old names: a healthy three-member cluster with all data",
      async () => {
        const expected = await data(n1);
        for (const [n, name] of [[fresh2, "n2"], [fresh3, "n3"]] as const) {
          const r = await etcdup.run(n.ct, replace(n, name), { timeoutMs: 300_000 });
          assertEquals(r.code, 0, `${name}: ${r.stderr}\n${r.stdout}`);
          assertMatch(r.stdout, /lists no member named n[23]/);
          assertMatch(r.stdout, /is a voting member/);
        }
        // fresh2 kept the data dir its refused replace created (empty, so nothing to move aside).
        assertEquals(await members(n1), [
          { name: "n1", peer: `https://${n1.host.address}:2380`, learner: false },
          { name: "n2", peer: `https://${fresh2.host.address}:2380`, learner: false },
          { name: "n3", peer: `https://${fresh3.host.address}:2380`, learner: false },
        ]);
        for (const n of [n1, fresh2, fresh3]) {
          assertEquals(await etcdctlOk(n, ["endpoint", "health"]).then(() => true), true);
          assertEquals(
            await etcdctlOk(n, ["get", "/data/", "--prefix", "--consistency=s"]),
            expected,
            n.name,
          );
        }
        await etcdctlOk(fresh3, ["put", "/data/after-replace", "yes"]);
        assertEquals(await etcdctlOk(n1, ["get", "/data/after-replace", "--print-value-only"]), "yes\n");
      },
    );

    await t.step("an install re-run on the recovered member changes nothing", async () => {
      const r = await etcdup.run(n1.ct, install(n1), { timeoutMs: 300_000 });
      assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assertMatch(r.stdout, /no changes/i, `${r.stderr}\n${r.stdout}`);
    });
  } finally {
    await Promise.all(cts.map((ct) => ct.destroy()));
    await net.destroy();
    await Deno.remove(work, { recursive: true });
  }
});
