/**
 * Issue 14, the whole-cluster procedure of the README's Backups section, on real hosts: three systemd
 * containers on a private /24 form a TLS cluster with data; one member takes an `etcdup backup`; a key is
 * written after it; then the whole cluster is lost (etcd stopped everywhere, its data no longer trusted).
 * `etcdup restore` of that one snapshot on n1, then `etcdup join --replace` of n2 and n3 against it, give a
 * healthy three-member cluster serving exactly the snapshot's data (the later key is gone, as documented),
 * that takes writes; every old data dir is kept aside.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import type { Container } from "./harness/container.ts";
import { etcdupUnderTest } from "./harness/etcdup.ts";
import { Network } from "./harness/network.ts";
import { addHosts, bootMember, type MemberNode } from "./harness/member.ts";
import { etcdctlOk, members } from "./harness/etcdctl.ts";

const CA_EXPORT = "/root/ca.export";

type Node = MemberNode;

Deno.test("a whole cluster rebuilt from one snapshot: restore on one member, join --replace on the others", async () => {
  const [fx, etcdup] = await Promise.all([etcdFixture("sid"), etcdupUnderTest()]);
  const tarball = `/root/${path.basename(fx.tarball)}`;
  const release = ["--tarball", tarball, "--sha256", fx.sha256, "--health-timeout", "120"];
  const net = await Network.create("10.96.0");
  const cts: Container[] = [];
  const work = await Deno.makeTempDir({ prefix: "etcdup-e2e-cluster-restore-" });
  const run = (n: Node, args: string[]) => etcdup.run(n.ct, args, { timeoutMs: 300_000 });
  const ok = async (n: Node, args: string[]) => {
    const r = await run(n, args);
    assertEquals(r.code, 0, `${n.name} ${args.join(" ")}: ${r.stderr}\n${r.stdout}`);
    return r;
  };
  try {
    const setup = { binds: etcdup.binds, tarball: { from: fx.tarball, to: tarball }, booted: cts };
    const nodes: Node[] = await Promise.all(
      (await addHosts(net, 3)).map((host, i) => bootMember(setup, host, `n${i + 1}`, `crestore-n${i + 1}`)),
    );
    const [n1, n2, n3] = nodes;
    const initialCluster = nodes.map((n) => `${n.name}=https://${n.host.address}:2380`).join(",");
    const install = (n: Node) => [
      "install",
      ...release,
      "--name",
      n.name,
      "--advertise-address",
      n.host.address,
      "--initial-cluster",
      initialCluster,
      ...(n === n1 ? [] : ["--ca-from", CA_EXPORT]),
    ];

    // a three-member cluster with data
    await ok(n1, [...install(n1), "--no-start"]);
    await ok(n1, ["certs", "export", "--out", CA_EXPORT]);
    await Deno.copyFile(n1.ct.path(CA_EXPORT), path.join(work, "ca.export"));
    for (const n of [n2, n3]) await n.ct.copyIn(path.join(work, "ca.export"), CA_EXPORT, 0o600);
    const installs = await Promise.all(nodes.map((n) => run(n, install(n))));
    installs.forEach((r, i) => assertEquals(r.code, 0, `${nodes[i].name}: ${r.stderr}\n${r.stdout}`));
    for (let i = 0; i < 20; i++) {
      await etcdctlOk(n1, ["put", `/data/k${String(i).padStart(2, "0")}`, `v${i}`]);
    }

    // n2 takes the backup; a write after it is not in it
    const taken = JSON.parse((await ok(n2, ["backup", "--json"])).stdout.trim().split("\n").pop()!).result
      .file as string;
    const expected = await etcdctlOk(n1, ["get", "/data/", "--prefix"]);
    await etcdctlOk(n1, ["put", "/data/after-the-snapshot", "lost"]);
    for (const f of [taken, `${taken}.json`]) {
      await Deno.copyFile(n2.ct.path(f), path.join(work, path.basename(f)));
      await n1.ct.copyIn(path.join(work, path.basename(f)), `/root/restore/${path.basename(f)}`, 0o600);
    }

    // the whole cluster is lost: etcd stopped on every member, its data not to be trusted
    await Promise.all(nodes.map((n) => n.ct.execOk(["systemctl", "stop", "etcd"])));

    const restored = await ok(n1, ["restore", `/root/restore/${path.basename(taken)}`, "--json"]);
    assertMatch(restored.stdout, /"oldDataDir":"\/var\/lib\/etcd\.before-restore-/);
    assertEquals((await members(n1)).map((m) => m.name), ["n1"]);
    for (const n of [n2, n3]) {
      await ok(n, [
        "join",
        "--replace",
        n.name,
        n1.clientUrl,
        ...release,
        "--advertise-address",
        n.host.address,
        "--ca-from",
        CA_EXPORT,
      ]);
      assertEquals(
        (await n.ct.exec(["sh", "-c", "ls -d /var/lib/etcd.before-replace-*"])).code,
        0,
        "old data aside",
      );
    }
    assertEquals(
      await members(n1),
      nodes.map((n) => ({ name: n.name, peer: `https://${n.host.address}:2380`, learner: false })),
    );
    for (const n of nodes) {
      await etcdctlOk(n, ["endpoint", "health"]);
      assertEquals(await etcdctlOk(n, ["get", "/data/", "--prefix", "--consistency=s"]), expected, n.name);
    }
    await etcdctlOk(n3, ["put", "/data/after-the-restore", "yes"]);
    assertEquals(await etcdctlOk(n1, ["get", "/data/after-the-restore", "--print-value-only"]), "yes\n");
  } finally {
    await Promise.all(cts.map((ct) => ct.destroy()));
    await net.destroy();
    await Deno.remove(work, { recursive: true });
  }
});
