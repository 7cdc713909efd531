/**
 * Issue 5, proven on real hosts: four systemd containers (nspawn), each in its own network namespace on a
 * private switched /24 the test makes. Three are bootstrapped statically into one cluster with one CA carried
 * by `certs export` / `--ca-from`, TLS on every client and peer URL; the fourth joins through the member API
 * (learner, then promoted), re-runs of join and install on it (and of install on a bootstrapped member) change
 * nothing and restart nothing, it leaves with `uninstall`, and joins again through a join killed mid-way and
 * re-run. Each join is preceded by `join --dry-run --json`: the cluster steps it plans are the steps the join
 * then reports done (`result.steps`; dry run == apply), and a joined member's plan and re-run hold none.
 * Between those: writes on one member are read on the others, a client without a certificate is refused by
 * every member, the leader's container is killed and the survivors elect a leader and keep serving, and the
 * killed member comes back and catches up. etcd comes from the `sid` fixture tarball (`--tarball`, air-gapped).
 */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { execOk } from "../support/exec.ts";
import { sanText } from "../support/openssl.ts";
import { lastJson } from "../support/root_tree.ts";
import { waitUntil } from "../support/wait.ts";
import type { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { Network } from "./harness/network.ts";
import { addHosts, bootMember, type MemberNode } from "./harness/member.ts";
import { etcdActivating, etcdctl, etcdctlOk, killMidway, members, QUICK } from "./harness/etcdctl.ts";

const etcdup = await etcdupUnderTest();
const PKI = "/etc/etcd/pki";
const CA_EXPORT = "/root/ca.export";
/** One node of the test: its container, address and member name. */
interface Node extends MemberNode {
  peerUrl: string;
}

/** The name of the leader as the members in `nodes` report it (they must agree). */
async function leaderName(nodes: Node[]): Promise<string> {
  const out = await etcdctlOk(nodes[0], ["endpoint", "status", "-w", "json"], nodes.map((n) => n.clientUrl));
  const st = JSON.parse(out) as {
    Endpoint: string;
    Status: { header: { member_id: number }; leader: number };
  }[];
  const leaders = new Set(st.map((s) => String(s.Status.leader)));
  assertEquals(leaders.size, 1, `the members agree on one leader: ${out}`);
  const leader = st.find((s) => String(s.Status.header.member_id) === [...leaders][0]);
  const node = nodes.find((n) => n.clientUrl === leader?.Endpoint);
  if (!node) throw new Error(`the leader is not among ${nodes.map((n) => n.name)}: ${out}`);
  return node.name;
}

/** etcd's main PID and when it last became active on `node`: unchanged unless etcd was (re)started. */
function serviceStart(node: Node): Promise<string> {
  return node.ct.execOk([
    "systemctl",
    "show",
    "-p",
    "MainPID",
    "-p",
    "ActiveEnterTimestampMonotonic",
    "etcd",
  ]);
}

/** One cluster step of a join as `--json` reports it, planned (`--dry-run`) or done. */
interface JoinStep {
  kind: string;
  action: string;
  asks?: string;
  reason: string;
  value?: string;
}

/** `join --dry-run --json`'s cluster part. */
interface JoinDryRun {
  cluster: { memberList: { read: boolean }; steps: JoinStep[]; notes: string[] };
}

/** What `join --json` did: `steps`, the cluster steps done. */
interface JoinDone {
  changed: boolean;
  steps: JoinStep[];
}

/** Runs `args` (a join) with `--json` on `node`; its result and its log (stderr and stdout). */
async function joinJson<T>(node: Node, args: string[]): Promise<{ result: T; log: string }> {
  const r = await etcdup.run(node.ct, [...args, "--json"], { timeoutMs: 300_000 });
  assertEquals(r.code, 0, `${node.name} ${args.join(" ")}: ${r.stderr}\n${r.stdout}`);
  return { result: lastJson(r.stdout).result as T, log: r.stderr + r.stdout };
}

/** The kinds of `steps`, in order. */
const kinds = (steps: JoinStep[]) => steps.map((s) => s.kind);

/** Waits until `node`'s own endpoint answers healthy. */
async function waitHealthy(node: Node, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    async () => (await etcdctl(node, ["endpoint", "health"])).code === 0 || undefined,
    timeoutMs,
    `${node.name} healthy`,
    500,
  );
}

Deno.test("cluster: static bootstrap of three, failover, a fourth joins and leaves, a killed join resumes (issue 5)", async (t) => {
  const fx = await etcdFixture("sid");
  const tarball = `/root/${path.basename(fx.tarball)}`;
  const release = ["--tarball", tarball, "--sha256", fx.sha256, "--health-timeout", "120"];
  const net = await Network.create("10.89.0");
  const nodes: Node[] = [];
  const cts: Container[] = [];
  const work = await Deno.makeTempDir({ prefix: "etcdup-e2e-cluster-" });
  try {
    const setup = { binds: etcdup.binds, tarball: { from: fx.tarball, to: tarball }, booted: cts };
    const machines = await Promise.all(
      (await addHosts(net, 4)).map((host, i) => bootMember(setup, host, `n${i + 1}`, `cluster-n${i + 1}`)),
    );
    nodes.push(...machines.map((m) => ({ ...m, peerUrl: `https://${m.host.address}:2380` })));
    const trio = nodes.slice(0, 3);
    const [n1, n2, n3, n4] = nodes;
    const initialCluster = trio.map((n) => `${n.name}=${n.peerUrl}`).join(",");
    const memberArgs = (n: Node) => ["--name", n.name, "--advertise-address", n.host.address];

    await t.step("the CA made on n1 is carried to the others with certs export / --ca-from", async () => {
      const r = await etcdup.run(n1.ct, [
        "install",
        ...release,
        ...memberArgs(n1),
        "--initial-cluster",
        initialCluster,
        "--no-start",
      ], { timeoutMs: 300_000 });
      assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
      const ex = await etcdup.run(n1.ct, ["certs", "export", "--out", CA_EXPORT]);
      assertEquals(ex.code, 0, ex.stderr);
      const local = path.join(work, "ca.export");
      await Deno.copyFile(n1.ct.path(CA_EXPORT), local);
      for (const n of [n2, n3, n4]) await n.ct.copyIn(local, CA_EXPORT, 0o600);
    });

    await t.step(
      "three installs with --initial-cluster, run together, form one healthy TLS cluster",
      async () => {
        const runs = await Promise.all(trio.map((n) =>
          etcdup.run(n.ct, [
            "install",
            ...release,
            ...memberArgs(n),
            "--initial-cluster",
            initialCluster,
            ...(n === n1 ? [] : ["--ca-from", CA_EXPORT]),
          ], { timeoutMs: 300_000 })
        ));
        runs.forEach((r, i) => assertEquals(r.code, 0, `${trio[i].name}: ${r.stderr}\n${r.stdout}`));
        for (const n of trio) {
          assertEquals(
            await members(n),
            trio.map((m) => ({ name: m.name, peer: m.peerUrl, learner: false })),
          );
        }
        const envs = await Promise.all(trio.map((n) => n.ct.execOk(["cat", "/etc/default/etcd"])));
        const token = (env: string) => /^ETCD_INITIAL_CLUSTER_TOKEN="?([^"\n]+)/m.exec(env)?.[1];
        for (const env of envs) {
          assertMatch(env, /^ETCD_INITIAL_CLUSTER_STATE="?new"?$/m);
          assertMatch(env, new RegExp(`^ETCD_INITIAL_CLUSTER="?${initialCluster}"?$`, "m"));
          assertMatch(token(env) ?? "", /^etcd-[0-9a-f]{16}$/);
          assertEquals(token(env), token(envs[0]), "every member derived the same token");
        }
        for (const n of trio) {
          const certs = ["server.crt", "peer.crt"].map((c) => n.ct.path(`${PKI}/${c}`));
          await execOk(["openssl", "verify", "-CAfile", n1.ct.path(`${PKI}/ca.crt`), ...certs]);
          for (const c of certs) {
            const text = await sanText(c);
            assert(
              text.includes(`IP Address:${n.host.address}`),
              `${n.name} ${path.basename(c)} SANs: ${text}`,
            );
          }
        }
      },
    );

    await t.step("a write on one member is read on the others", async () => {
      await etcdctlOk(n1, ["put", "/cluster/written-on", "n1"]);
      for (const n of [n2, n3]) {
        assertEquals(await etcdctlOk(n, ["get", "/cluster/written-on", "--print-value-only"]), "n1\n");
      }
    });

    await t.step("a client without a certificate is refused by every member", async () => {
      const tries = await Promise.all(
        trio.map((n) =>
          n1.ct.exec([
            "etcdctl",
            `--endpoints=${n.clientUrl}`,
            `--cacert=${PKI}/ca.crt`,
            ...QUICK,
            "get",
            "/cluster/written-on",
          ])
        ),
      );
      tries.forEach((r, i) =>
        assert(
          r.code !== 0 && !r.stdout.includes("n1"),
          `${trio[i].name} served a client without a cert: ${JSON.stringify(r)}`,
        )
      );
    });

    let killed = n1;
    await t.step("the leader's container is killed: the two survivors elect a leader and serve", async () => {
      const leader = await leaderName(trio);
      killed = trio.find((n) => n.name === leader)!;
      await killed.ct.kill();
      const survivors = trio.filter((n) => n !== killed);
      const newLeader = await waitUntil(
        () => leaderName(survivors),
        30_000,
        "a leader among the survivors",
        500,
      );
      assert(newLeader !== killed.name);
      await etcdctlOk(survivors[0], ["put", "/cluster/after-failover", "yes"]);
      assertEquals(
        await etcdctlOk(survivors[1], ["get", "/cluster/after-failover", "--print-value-only"]),
        "yes\n",
      );
    });

    await t.step("the killed member comes back and catches up", async () => {
      await killed.ct.start();
      await waitHealthy(killed);
      assertEquals(
        await etcdctlOk(killed, ["get", "/cluster/after-failover", "--print-value-only", "--consistency=s"]),
        "yes\n",
      );
    });

    const join = ["join", n2.clientUrl, n3.clientUrl, ...release, ...memberArgs(n4), "--ca-from", CA_EXPORT];
    await t.step(
      "a fourth node joins as a learner, is promoted, and serves: the steps its dry run listed",
      async () => {
        // Fresh: no client certificate yet, so the dry run lists what the run will ask without the member list.
        const dry = (await joinJson<JoinDryRun>(n4, [...join, "--dry-run"])).result.cluster;
        assertEquals(dry.memberList.read, false);
        assertEquals(kinds(dry.steps), ["add-member", "initial-cluster", "promote"]);
        const { result, log } = await joinJson<JoinDone>(n4, join);
        assertEquals(kinds(result.steps), kinds(dry.steps), "the join did the steps its dry run listed");
        // The same steps, word for word, but the initial cluster's value: only the member list tells it.
        const unvalued = (s: JoinStep) =>
          s.kind === "initial-cluster" ? { kind: s.kind, reason: s.reason } : s;
        assertEquals(result.steps.map(unvalued), dry.steps.map(unvalued));
        const written = result.steps.find((s) => s.kind === "initial-cluster")?.value ?? "";
        assertMatch(written, new RegExp(`n4=${n4.peerUrl}`));
        assertMatch(log, /as a learner/);
        assertMatch(log, /is a voting member/);
        assertEquals((await members(n1)).find((m) => m.peer === n4.peerUrl), {
          name: "n4",
          peer: n4.peerUrl,
          learner: false,
        });
        const env = await n4.ct.execOk(["cat", "/etc/default/etcd"]);
        assertMatch(env, /^ETCD_INITIAL_CLUSTER_STATE="?existing"?$/m);
        assertMatch(
          env,
          new RegExp(`^ETCD_INITIAL_CLUSTER="?${written}"?$`, "m"),
          "the value the step reported",
        );
        assertEquals(await etcdctlOk(n4, ["get", "/cluster/written-on", "--print-value-only"]), "n1\n");
      },
    );

    await t.step(
      "re-runs of join and install on the joined member and of install on a bootstrapped one change nothing",
      async () => {
        // The joined member: its dry run reads the member list and plans no cluster step; the join does none.
        const dry = (await joinJson<JoinDryRun>(n4, [...join, "--dry-run"])).result.cluster;
        assertEquals([dry.memberList.read, dry.steps], [true, []]);
        assert(dry.notes.includes("n4 is already a voting member: nothing to promote"), dry.notes.join("\n"));
        const before = await serviceStart(n4);
        const again = (await joinJson<JoinDone>(n4, join)).result;
        assertEquals([again.changed, again.steps], [false, []]);
        assertEquals(await serviceStart(n4), before, "n4 join: etcd was not restarted");
        const reruns: [Node, string[]][] = [
          [n4, ["install", ...release, ...memberArgs(n4), "--ca-from", CA_EXPORT]],
          [n2, [
            "install",
            ...release,
            ...memberArgs(n2),
            "--initial-cluster",
            initialCluster,
            "--ca-from",
            CA_EXPORT,
          ]],
        ];
        for (const [n, args] of reruns) {
          const before = await serviceStart(n);
          const r = await etcdup.run(n.ct, args, { timeoutMs: 300_000 });
          assertEquals(r.code, 0, `${n.name} ${args[0]}: ${r.stderr}\n${r.stdout}`);
          assertMatch(r.stdout, /no changes/i, `${n.name} ${args[0]}: ${r.stderr}\n${r.stdout}`);
          assertEquals(await serviceStart(n), before, `${n.name} ${args[0]}: etcd was not restarted`);
        }
        const env = await n4.ct.execOk(["cat", "/etc/default/etcd"]);
        assertMatch(env, /^ETCD_INITIAL_CLUSTER_STATE="?existing"?$/m);
        assertMatch(env, new RegExp(`^ETCD_INITIAL_CLUSTER="?[^"\n]*n4=${n4.peerUrl}`, "m"));
      },
    );

    await t.step("it leaves with uninstall: removed from the cluster first", async () => {
      const r = await etcdup.run(n4.ct, ["uninstall", "--purge"], { timeoutMs: 120_000 });
      assertEquals(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assertEquals((await members(n1)).map((m) => m.name), ["n1", "n2", "n3"]);
      await etcdctlOk(n1, ["put", "/cluster/after-leave", "ok"]);
    });

    await t.step("a join killed after adding the member is re-run and completes", async () => {
      // etcd's start on n4 is held, so the first join is surely between "member added, config written, start
      // queued" and "promoted" when killed.
      const killedRun = await killMidway(
        n4.ct,
        (recording) => etcdup.run(recording, join, { timeoutMs: 300_000 }),
        async () =>
          (await members(n1)).some((m) => m.peer === n4.peerUrl && m.name === "") &&
          await etcdActivating(n4.ct),
        "the first join to add n4 and queue etcd's start",
      );
      assert(killedRun.code !== 0, `the first join was killed: ${JSON.stringify(killedRun)}`);
      assert(!/voting member/.test(killedRun.stdout + killedRun.stderr), "killed before the promotion");

      // The re-run's plan (the member list read: the client certificate is there) holds only what remains.
      const dry = (await joinJson<JoinDryRun>(n4, [...join, "--dry-run"])).result.cluster;
      assertEquals([dry.memberList.read, kinds(dry.steps)], [true, ["promote"]]);
      const { result, log } = await joinJson<JoinDone>(n4, join);
      assertEquals(result.steps, dry.steps, "the re-run did exactly the steps its dry run listed");
      assertMatch(log, /already in the cluster as a learner/);
      const list = await members(n1);
      assertEquals(list.length, 4);
      assertEquals(list.find((m) => m.peer === n4.peerUrl), { name: "n4", peer: n4.peerUrl, learner: false });
      assertEquals(await etcdctlOk(n4, ["get", "/cluster/after-leave", "--print-value-only"]), "ok\n");
    });
  } finally {
    await Promise.all(cts.map((ct) => ct.destroy()));
    await net.destroy();
    await Deno.remove(work, { recursive: true });
  }
});
