/**
 * `etcdup maintain` against real etcd members on loopback (the sid fixture, mutual TLS), run as the CLI with
 * `--root` pointing at a tree whose state record and admin certificate name the cluster: the plan as a pure
 * function; NOSPACE filled for real, then compacted, defragmented and disarmed until writes work again;
 * three members defragmented leader last while a writer keeps writing; two runs at once on two members
 * taking turns through etcd's lock; a member down refused with exit 4 and nothing changed.
 */
import assert from "node:assert/strict";
import { planMaintenance, type Survey } from "../../lib/cluster/maintain.ts";
import { ClusterApi } from "../../lib/cluster/api.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { writeState } from "../../lib/host/state.ts";
import { memberState } from "../daytwo/fixtures.ts";
import { type LocalCluster, type LocalMember, startLocalCluster } from "./local_cluster.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { exec } from "../support/exec.ts";
import { waitUntil } from "../support/wait.ts";

const MiB = 1024 ** 2;

Deno.test("maintain plan: worth it = at least --min-db-size and under half in use; leader last; NOSPACE all", () => {
  const m = (name: string, dbSize: number, dbSizeInUse: number, isLeader = false) => ({
    id: name,
    name,
    endpoint: `https://${name}`,
    isLeader,
    dbSize,
    dbSizeInUse,
  });
  const s: Survey = {
    members: [
      m("a", 200 * MiB, 50 * MiB, true),
      m("b", 200 * MiB, 150 * MiB),
      m("c", 10 * MiB, 1 * MiB),
      m("d", 300 * MiB, 10 * MiB),
    ],
    alarms: [],
  };
  const o = { force: false, minDbBytes: 100 * MiB, quotaBytes: 2048 * MiB };
  const p = planMaintenance(s, o);
  assert.deepEqual(p.defrag.map((d) => d.member.name), ["d", "a"], "the leader a goes last");
  assert.deepEqual(p.skip.map((d) => d.member.name), ["b", "c"]);
  assert.match(p.skip[1].reason, /below --min-db-size/);
  assert.equal(p.nospace, false);
  assert.deepEqual(planMaintenance(s, { ...o, force: true }).defrag.map((d) => d.member.name), [
    "b",
    "c",
    "d",
    "a",
  ]);
  const full = planMaintenance({ ...s, alarms: [{ memberId: "1", alarm: "NOSPACE" }] }, o);
  assert.equal(full.nospace, true);
  assert.deepEqual(full.defrag.map((d) => d.member.name), ["b", "c", "d", "a"]);
});

/**
 * A host tree for `etcdup maintain --root`: the state record naming `member`'s client URL, the cluster's CA
 * and admin pair at the etcd layout's paths, and /etc/default/etcd with `quota`.
 */
async function treeFor(c: LocalCluster, member: LocalMember, quota: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-maintain-root-" });
  const host = new HostRoot(dir);
  writeState(
    host,
    memberState({}, { clientUrls: [member.clientUrl], pkiDir: "/etc/etcd/pki", name: member.name }),
  );
  await Deno.mkdir(host.resolve("/etc/etcd/pki"), { recursive: true });
  await Deno.copyFile(c.tls.caFile, host.resolve("/etc/etcd/pki/ca.crt"));
  await Deno.copyFile(c.tls.certFile, host.resolve("/etc/etcd/pki/admin.crt"));
  await Deno.copyFile(c.tls.keyFile, host.resolve("/etc/etcd/pki/admin.key"));
  await Deno.mkdir(host.resolve("/etc/default"), { recursive: true });
  await Deno.writeTextFile(host.resolve("/etc/default/etcd"), `ETCD_QUOTA_BACKEND_BYTES=${quota}\n`);
  return dir;
}

/** Runs `etcdup maintain --root DIR --json ...` and returns its exit code and final JSON line. */
async function maintain(root: string, ...args: string[]) {
  const r = await runEtcdup(["maintain", "--root", root, "--json", ...args]);
  const lines = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const last = lines.find((l) => l.event === "result" || l.event === "error") ??
    r.stderr.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.event === "error");
  return { code: r.code, last, stdout: r.stdout, stderr: r.stderr };
}

/** etcdctl against the cluster with the admin certificate. */
function etcdctl(c: LocalCluster, endpoints: string[], ...args: string[]) {
  return exec([
    c.etcdctlBin,
    `--endpoints=${endpoints.join(",")}`,
    `--cacert=${c.tls.caFile}`,
    `--cert=${c.tls.certFile}`,
    `--key=${c.tls.keyFile}`,
    "--command-timeout=10s",
    ...args,
  ]);
}

/** Writes 64 KiB values until etcd answers "database space exceeded"; returns how many went in. */
async function fillUntilNospace(c: LocalCluster): Promise<number> {
  const big = "x".repeat(64 * 1024);
  for (let i = 0; i < 2000; i++) {
    const r = await etcdctl(c, c.tls.endpoints, "put", `fill/${i % 5}`, big);
    if (r.code !== 0) {
      assert.match(r.stderr, /database space exceeded/);
      return i;
    }
  }
  throw new Error("the tiny quota was never reached");
}

Deno.test("maintain: NOSPACE is compacted, defragmented and disarmed; the node takes writes again", async () => {
  const quota = 4 * MiB;
  const c = await startLocalCluster(1, [`--quota-backend-bytes=${quota}`]);
  const root = await treeFor(c, c.members[0], quota);
  try {
    const wrote = await fillUntilNospace(c);
    assert.ok(wrote > 0);
    const dry = await maintain(root, "--dry-run");
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.equal(dry.last.result.plan.nospace, true);
    assert.equal(
      (await etcdctl(c, c.tls.endpoints, "put", "after-dry-run", "v")).code,
      1,
      "dry run changed nothing",
    );
    const r = await maintain(root);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.last.result.compactedTo > 0);
    assert.equal(r.last.result.defragmented.length, 1);
    assert.ok(r.last.result.defragmented[0].after < r.last.result.defragmented[0].before);
    assert.equal(r.last.result.disarmed.length, 1);
    const put = await etcdctl(c, c.tls.endpoints, "put", "after", "v");
    assert.equal(put.code, 0, put.stderr);
    const alarms = await etcdctl(c, c.tls.endpoints, "alarm", "list");
    assert.equal(alarms.stdout.trim(), "");
  } finally {
    await c.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("maintain: NOSPACE with live data above the quota is reported, the alarm stays (exit 1)", async () => {
  // 4 MiB of live keys under an 8 MiB quota, then etcd restarted with 2 MiB (an operator lowering it).
  const args = [`--quota-backend-bytes=${8 * MiB}`];
  const c = await startLocalCluster(1, args);
  const m = c.members[0];
  const root = await treeFor(c, m, 2 * MiB);
  try {
    const big = "y".repeat(64 * 1024);
    for (let i = 0; i < 64; i++) {
      const r = await etcdctl(c, c.tls.endpoints, "put", `live/${i}`, big); // every key distinct: all live
      assert.equal(r.code, 0, r.stderr);
    }
    await c.kill(m);
    args[0] = `--quota-backend-bytes=${2 * MiB}`;
    c.start(m, `${m.name}=${m.peerUrl}`, "new");
    // The file is over the new quota: the first write etcd's quota check sees raises NOSPACE (it is not
    // raised by starting alone, so the wait writes rather than hoping something else does).
    await waitUntil(
      async () => {
        await etcdctl(c, c.tls.endpoints, "put", "trigger-quota", "v");
        const r = await etcdctl(c, c.tls.endpoints, "alarm", "list");
        return /NOSPACE/.test(r.stdout) ? true : undefined;
      },
      20_000,
      "etcd to raise NOSPACE under the lowered quota",
    );
    const r = await maintain(root);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.last.code, "nospace-not-freed");
    assert.match(r.last.message, /NOSPACE stays raised: .*m1 still holds/);
    assert.match((await etcdctl(c, c.tls.endpoints, "alarm", "list")).stdout, /NOSPACE/);
  } finally {
    await c.close();
    await Deno.remove(root, { recursive: true });
  }
});

/** Leaves `c` with history worth defragmenting: 64 KiB values overwritten, then compacted. */
async function fragment(c: LocalCluster): Promise<void> {
  const big = "z".repeat(64 * 1024);
  for (let i = 0; i < 60; i++) await etcdctl(c, c.tls.endpoints, "put", `frag/${i % 3}`, big);
  const api = new ClusterApi(c.tls);
  try {
    await api.compact(await api.revision());
  } finally {
    await api.close();
  }
}

Deno.test("maintain: 3 members defragmented one at a time, leader last, while a writer writes without errors", async () => {
  const c = await startLocalCluster(3);
  const root = await treeFor(c, c.members[1], 2048 * MiB);
  let writing = true;
  const errors: string[] = [];
  let writes = 0;
  try {
    await fragment(c);
    const writer = (async () => {
      while (writing) {
        const r = await etcdctl(c, c.tls.endpoints, "put", `w/${writes % 10}`, String(writes));
        if (r.code !== 0) errors.push(r.stderr);
        writes++;
      }
    })();
    const r = await maintain(root, "--min-db-size", "1MiB");
    writing = false;
    await writer;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const done = r.last.result.defragmented as {
      name: string;
      wasLeader: boolean;
      startedAt: string;
      endedAt: string;
    }[];
    assert.equal(done.length, 3, JSON.stringify(r.last.result.plan.skip));
    assert.deepEqual(done.map((d) => d.wasLeader), [false, false, true], "the leader last");
    for (let i = 1; i < done.length; i++) {
      assert.ok(done[i].startedAt >= done[i - 1].endedAt, "one at a time");
    }
    assert.deepEqual(errors, []);
    assert.ok(writes > 0);
  } finally {
    writing = false;
    await c.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("maintain: two runs at once on two members take turns through etcd's lock", async () => {
  const c = await startLocalCluster(3);
  const roots = [await treeFor(c, c.members[0], 2048 * MiB), await treeFor(c, c.members[2], 2048 * MiB)];
  try {
    const [a, b] = await Promise.all(roots.map((root) => maintain(root, "--force")));
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const spans = [...a.last.result.defragmented, ...b.last.result.defragmented]
      .map((d: { startedAt: string; endedAt: string }) => [Date.parse(d.startedAt), Date.parse(d.endedAt)])
      .sort((x, y) => x[0] - y[0]);
    assert.equal(spans.length, 6, "each run defragmented all three (--force)");
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i][0] >= spans[i - 1][1], "no two at the same time");
    }
    // Both leases were revoked: nothing is left under the lock's prefix.
    const left = await etcdctl(c, c.tls.endpoints, "get", "--prefix", "--keys-only", "etcdup/maintain");
    assert.equal(left.stdout.trim(), "");
  } finally {
    await c.close();
    for (const r of roots) await Deno.remove(r, { recursive: true });
  }
});

Deno.test("maintain: a member down is refused with exit 4 (member-unhealthy), nothing changed", async () => {
  const c = await startLocalCluster(3);
  const root = await treeFor(c, c.members[0], 2048 * MiB);
  try {
    await c.kill(c.members[2]);
    const r = await maintain(root, "--force");
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.equal(r.last.code, "member-unhealthy");
    assert.match(r.last.message, /m3 .*nothing was changed/);
    assert.doesNotMatch(r.stdout, /defragmenting/);
    const bad = await maintain(root, "--min-db-size", "lots");
    assert.equal(bad.code, 2);
    assert.equal(bad.last.code, "bad-size");
  } finally {
    await c.close();
    await Deno.remove(root, { recursive: true });
  }
});
