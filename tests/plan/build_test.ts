/** buildPlan: defaults from host facts, every flag validated with a usage error that names it. */
import assert from "node:assert/strict";
import type { HostFacts } from "../../lib/facts.ts";
import type { FlagValues } from "../../lib/command.ts";
import { EtcdupError, Exit, usageError } from "../../lib/errors.ts";
import { planFromValues } from "../support/install_options.ts";

const facts: HostFacts = {
  hostname: "node1",
  fqdn: "node1.example.com",
  addresses: [{ address: "10.0.0.5", family: "IPv4" }, { address: "fd00::5", family: "IPv6" }],
  cpu: "x86_64",
  isRoot: true,
};
const resolve = (v: string | undefined) => {
  if (v === undefined) return "v3.6.6";
  if (v === "latest-3.5") return "v3.5.30";
  if (/^v?\d+\.\d+\.\d+$/.test(v)) return v.startsWith("v") ? v : `v${v}`;
  throw usageError("unknown-version-alias", `--version: unknown '${v}'`);
};
const plan = (values: FlagValues, f: HostFacts = facts, root = "/") =>
  planFromValues(values, f, root, resolve);
const usage = (values: FlagValues, re: RegExp, code: string) =>
  assert.throws(() => plan(values), (e: unknown) => {
    assert.ok(e instanceof EtcdupError, String(e));
    assert.equal(e.exit, Exit.usage);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });

Deno.test("plan: defaults on a host with one IPv4 and one IPv6 address", () => {
  const p = plan({});
  assert.equal(p.release.version, "v3.6.6");
  assert.equal(p.release.arch, "amd64");
  assert.deepEqual(p.release.source, {
    kind: "mirror",
    baseUrl: "https://github.com/etcd-io/etcd/releases/download",
  });
  assert.equal(p.member.name, "node1");
  assert.deepEqual(p.member.listenClientUrls, ["https://10.0.0.5:2379", "https://127.0.0.1:2379"]);
  assert.deepEqual(p.member.advertiseClientUrls, ["https://10.0.0.5:2379"]);
  assert.deepEqual(p.member.listenPeerUrls, ["https://10.0.0.5:2380"]);
  assert.equal(p.member.initialCluster, "node1=https://10.0.0.5:2380");
  assert.equal(p.member.initialClusterState, "new");
  assert.match(p.member.clusterToken, /^etcd-[0-9a-f]{16}$/);
  assert.deepEqual(p.pki.sans.dns, ["localhost", "node1", "node1.example.com"]);
  assert.deepEqual(
    p.pki.sans.ips,
    ["127.0.0.1", "10.0.0.5", "fd00::5"],
    "no ::1: etcd does not listen there",
  );
  assert.equal(p.pki.pkiDir, "/etc/etcd/pki");
  assert.equal(p.pki.algorithm, "ecdsa-p256");
  assert.equal(p.paths.binDir, "/usr/local/bin");
  assert.equal(p.paths.dataDir, "/var/lib/etcd");
  assert.equal(p.service.start, true);
  assert.equal(p.service.healthTimeoutMs, 60_000);
});

Deno.test("plan: an empty value is an unset flag (the default source, version and dirs)", () => {
  const p = plan({ mirror: "", tarball: "", version: "", "data-dir": " ", "cluster-token": "" });
  assert.equal(p.release.version, "v3.6.6");
  assert.deepEqual(p.release.source, {
    kind: "mirror",
    baseUrl: "https://github.com/etcd-io/etcd/releases/download",
  });
  assert.equal(p.paths.dataDir, "/var/lib/etcd");
  assert.match(p.member.clusterToken, /^etcd-[0-9a-f]{16}$/);
});

Deno.test("plan: --root and --no-start never start; a host without addresses advertises loopback", () => {
  assert.equal(plan({}, facts, "/tmp/img").service.start, false);
  assert.equal(plan({ "no-start": true }).service.start, false);
  const lonely = plan({}, { ...facts, addresses: [] });
  assert.deepEqual(lonely.member.listenClientUrls, ["https://127.0.0.1:2379"]);
  assert.ok(lonely.notes.some((n) => /--advertise-address/.test(n)));
});

Deno.test("plan: IPv6 advertise address is bracketed; --san extras join the host's own names", () => {
  const p = plan({
    "advertise-address": "FD00::5",
    san: ["etcd.example.com", "192.0.2.10", "[2001:db8::1]"],
  });
  assert.deepEqual(p.member.advertiseClientUrls, ["https://[fd00::5]:2379"]);
  assert.deepEqual(p.member.listenClientUrls, ["https://[fd00::5]:2379", "https://[::1]:2379"]);
  assert.ok(p.pki.sans.dns.includes("etcd.example.com"));
  assert.ok(p.pki.sans.ips.includes("192.0.2.10") && p.pki.sans.ips.includes("2001:db8::1"));
});

Deno.test("plan: --initial-cluster picks this host's address from its entry and derives the token", () => {
  const cluster = "node0=https://10.0.0.4:2380,node1=https://10.0.0.5:2380,node2=https://10.0.0.6:2380";
  const p = plan({ "initial-cluster": cluster }, {
    ...facts,
    addresses: [{ address: "192.168.9.9", family: "IPv4" }, ...facts.addresses],
  });
  assert.equal(p.member.advertiseAddress, "10.0.0.5");
  assert.equal(p.member.initialCluster, cluster);
  const q = plan({ "initial-cluster": cluster.split(",").reverse().join(",") });
  assert.equal(p.member.clusterToken, q.member.clusterToken);
  assert.equal(plan({ "initial-cluster": cluster, "cluster-token": "prod-1" }).member.clusterToken, "prod-1");
  usage(
    { "initial-cluster": "a=https://10.0.0.1:2380" },
    /does not list this member 'node1'/,
    "self-not-in-cluster",
  );
  usage(
    { "initial-cluster": "node1=https://10.0.0.9:2380", "advertise-address": "10.0.0.5" },
    /advertises https:\/\/10\.0\.0\.5:2380/,
    "cluster-url-mismatch",
  );
  usage({ "cluster-token": "a b" }, /--cluster-token/, "bad-cluster-token");
});

Deno.test("plan: sources are exclusive; a tarball's name gives the version", () => {
  usage(
    { tarball: "/x/etcd-v3.5.30-linux-amd64.tar.gz", mirror: "https://m.example" },
    /--mirror and --tarball/,
    "conflicting-sources",
  );
  usage({ tarball: "/x.tgz", bundle: "/b" }, /--tarball and --bundle/, "conflicting-sources");
  usage({ tarball: "/x.tgz", "mirror-ca": "/ca.pem" }, /--mirror-ca/, "mirror-ca-without-mirror");
  usage({ mirror: "ftp://m.example" }, /--mirror: 'ftp:\/\/m\.example'/, "bad-mirror");
  const t = plan({ tarball: "/x/etcd-v3.5.30-linux-amd64.tar.gz" });
  assert.equal(t.release.version, "v3.5.30");
  assert.deepEqual(t.release.source, { kind: "tarball", path: "/x/etcd-v3.5.30-linux-amd64.tar.gz" });
  assert.equal(plan({ version: "latest-3.5" }).release.version, "v3.5.30");
  const m = plan({ mirror: "https://m.example/etcd", "mirror-ca": "/ca.pem", sha256: "AB".repeat(32) });
  assert.deepEqual(m.release.source, {
    kind: "mirror",
    baseUrl: "https://m.example/etcd",
    caFile: "/ca.pem",
  });
  assert.equal(m.release.sha256, "ab".repeat(32));
  usage({ sha256: "abc" }, /--sha256: 'abc'/, "bad-sha256");
  usage({ arch: "riscv64" }, /--arch 'riscv64'/, "bad-arch");
  assert.throws(() => plan({}, { ...facts, cpu: "mips" }), (e: unknown) => {
    assert.ok(e instanceof EtcdupError, String(e));
    assert.equal(e.code, "unsupported-arch");
    assert.equal(e.exit, Exit.precondition);
    assert.match(e.message, /this machine's architecture 'mips' is not supported/);
    return true;
  });
  assert.equal(plan({ arch: "arm64" }).release.native, false);
  assert.equal(plan({}).release.native, true);
});

Deno.test("plan: ports, paths, names, numbers and PKI flags are validated", () => {
  usage({ "client-port": "70000" }, /--client-port: '70000'/, "bad-port");
  usage({ "peer-port": "abc" }, /--peer-port: 'abc'/, "bad-port");
  usage({ "client-port": "2380" }, /must differ/, "port-clash");
  usage(
    { "data-dir": "var/lib/etcd" },
    /--data-dir: 'var\/lib\/etcd' must be an absolute path/,
    "relative-path",
  );
  usage({ "bin-dir": "/opt/my bin" }, /--bin-dir/, "bad-path");
  usage({ "pki-dir": "/" }, /--pki-dir/, "root-path");
  usage({ name: "-bad" }, /--name: '-bad'/, "bad-name");
  usage({ "advertise-address": "node1" }, /--advertise-address: 'node1'/, "bad-address");
  usage({ san: ["bad_name!"] }, /--san: 'bad_name!'/, "bad-san");
  usage({ "cert-days": "0" }, /--cert-days/, "bad-number");
  usage({ "cert-days": "4000", "ca-days": "3650" }, /longer than --ca-days/, "cert-outlives-ca");
  usage({ "health-timeout": "-1" }, /--health-timeout/, "bad-number");
  usage({ "key-algorithm": "dsa" }, /--key-algorithm/, "bad-key-algorithm");
  usage({ layout: "k8s" }, /--layout/, "bad-layout");
  usage({ "ca-from": "/x", "ca-cert": "/y", "ca-key": "/z" }, /--ca-from and --ca-cert/, "conflicting-ca");
  usage({ "ca-cert": "/y" }, /--ca-key is missing/, "incomplete-ca");
  const k = plan({
    layout: "kubeadm",
    "key-algorithm": "ed25519",
    "data-dir": "/srv/etcd/",
    "bin-dir": "/opt/etcd/bin",
  });
  assert.equal(k.pki.pkiDir, "/etc/kubernetes/pki/etcd");
  assert.equal(k.pki.algorithm, "ed25519");
  assert.equal(k.paths.dataDir, "/srv/etcd");
  assert.equal(k.paths.binDir, "/opt/etcd/bin");
});

Deno.test("plan: CA flags must name one CA", () => {
  usage(
    { "ca-from": "/x/ca.export", "ca-cert": "/x/ca.crt", "ca-key": "/x/ca.key" },
    /cannot be used together/,
    "conflicting-ca",
  );
  usage({ "ca-cert": "/x/ca.crt" }, /--ca-key is missing/, "incomplete-ca");
});
