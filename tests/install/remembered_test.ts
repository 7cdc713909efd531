/**
 * Remembered settings, end to end under --root with a real release tarball: a plain `etcdup install` re-run
 * after an install with every kind of setting (name, address, ports, SANs, layout, key algorithm, a local
 * tarball with the operator's --sha256) plans the same member, reads the recorded tarball (no network: the
 * proxy points at a closed port), says "no changes" and rewrites nothing, state.json included. `--name` on a
 * member with data is refused (exit 7, rename-needs-replace) and changes nothing. keepRecordedSettings's
 * rules (a flag wins, a source flag replaces the recorded source) are unit-tested below.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import type { ExecResult } from "../support/exec.ts";
import { etcdupMain, rootInstall } from "../support/root_install.ts";
import type { InstallState } from "../../lib/state_record.ts";
import { keepRecordedSettings } from "../../lib/install/remembered.ts";
import { planFromContext } from "../../lib/install/plan_install.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { writeState } from "../../lib/host/state.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** A proxy nobody listens on: any download attempt fails at once instead of reaching the internet. */
const NO_NETWORK = { https_proxy: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9" };
const etcdup = (args: string[]) => etcdupMain(args, NO_NETWORK);

/** The `event: "error"` line of a `--json` run. */
function jsonError(r: ExecResult): { code: string; exit: number; hint?: string } {
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  return lines.find((e) => e.event === "error");
}

/** Every file under `dir` with its content hash and mtime, to prove a run wrote nothing. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = path.join(d, e.name);
      const st = await Deno.lstat(p);
      if (e.isDirectory) await walk(p);
      else out.set(p, `${st.mtime?.getTime()} ${st.size} ${st.mode}`);
    }
  };
  await walk(dir);
  return out;
}

Deno.test("install re-run without flags keeps every recorded setting, plans the recorded tarball, writes nothing", async () => {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix: "etcdup-remembered-" });
  try {
    const first = await etcdup([
      ...rootInstall(root, fx),
      "--name",
      "n1",
      "--advertise-address",
      "192.0.2.10",
      "--client-port",
      "2479",
      "--peer-port",
      "2480",
      "--san",
      "etcd.example.com",
      "--layout",
      "kubeadm",
      "--key-algorithm",
      "ed25519",
    ]);
    assert.equal(first.code, 0, first.stderr);
    const stateFile = path.join(root, "var/lib/etcdup/state.json");
    const state: InstallState = JSON.parse(await Deno.readTextFile(stateFile));
    assert.deepEqual(state.source, { kind: "tarball", path: fx.tarball });
    assert.equal(state.givenSha256, fx.sha256);
    const before = await snapshot(root);

    const dry = await etcdup(["install", "--root", root, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`tarball ${fx.tarball.replaceAll(".", "\\.")}\n.*the file matches`));
    const again = await etcdup(["install", "--root", root]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^no changes: /);
    // The recorded release's binaries are in place with their recorded digests: nothing to fetch or unpack.
    assert.match(again.stderr, /binaries in \/usr\/local\/bin already etcd v3\.5\.30 \(as recorded\)/);
    assert.doesNotMatch(again.stderr, /reading /);
    assert.deepEqual(await snapshot(root), before, "nothing rewritten (state.json's mtime included)");
    assert.equal(JSON.parse(await Deno.readTextFile(stateFile)).updatedAt, state.updatedAt);

    const env = await Deno.readTextFile(path.join(root, "etc/default/etcd"));
    assert.match(env, /^ETCD_NAME=n1$/m);
    assert.match(env, /^ETCD_ADVERTISE_CLIENT_URLS=https:\/\/192\.0\.2\.10:2479$/m);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("install --name on a member with data is refused (exit 7) with the replacement procedure, changing nothing", async () => {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix: "etcdup-rename-" });
  try {
    const args = rootInstall(root, fx);
    assert.equal((await etcdup([...args, "--name", "node1"])).code, 0);
    await Deno.mkdir(path.join(root, "var/lib/etcd/member"));
    const before = await snapshot(root);
    for (const dryRun of [[], ["--dry-run"]]) {
      const r = await etcdup([...args, "--name", "node2", "--json", ...dryRun]);
      const err = jsonError(r);
      assert.equal(r.code, 7, r.stdout);
      assert.equal(err.code, "rename-needs-replace");
      assert.match(err.hint ?? "", /etcdctl member remove/);
      assert.match(err.hint ?? "", /--name node1/);
    }
    assert.deepEqual(await snapshot(root), before, "nothing renamed, nothing written");
    const kept = await etcdup(["install", "--root", root]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /^no changes: /, "the plain re-run keeps node1");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

const RECORD = {
  schema: 1,
  version: "v3.5.16",
  name: "n1",
  clientUrls: ["https://[2001:db8::1]:2479"],
  peerUrls: ["https://[2001:db8::1]:2480"],
  sans: { dns: ["etcd.example.com"], ips: ["2001:db8::1"] },
  layout: "kubeadm",
  keyAlgorithm: "rsa-3072",
  pkiDir: "/etc/kubernetes/pki/etcd",
  binDir: "/opt/bin",
  dataDir: "/srv/etcd",
  initialCluster: "n1=https://[2001:db8::1]:2480,n2=https://[2001:db8::2]:2480",
  initialClusterState: "new",
  clusterToken: "etcd-0123456789abcdef",
  source: { kind: "bundle", dir: "/srv/bundle" },
  givenSha256: "ab".repeat(32),
} as unknown as InstallState;

Deno.test("keepRecordedSettings: every recorded setting fills an unset flag; given flags win", () => {
  assert.deepEqual(keepRecordedSettings({ json: true }, RECORD), {
    json: true,
    version: "v3.5.16",
    name: "n1",
    "advertise-address": "2001:db8::1",
    "client-port": "2479",
    "peer-port": "2480",
    san: ["etcd.example.com", "2001:db8::1"],
    layout: "kubeadm",
    "key-algorithm": "rsa-3072",
    "pki-dir": "/etc/kubernetes/pki/etcd",
    "bin-dir": "/opt/bin",
    "data-dir": "/srv/etcd",
    "initial-cluster": RECORD.initialCluster,
    "cluster-token": "etcd-0123456789abcdef",
    bundle: "/srv/bundle",
    sha256: "ab".repeat(32),
  });
  const given = keepRecordedSettings({ "client-port": "3379", san: ["x.example"] }, RECORD);
  assert.equal(given["client-port"], "3379");
  assert.deepEqual(given.san, ["x.example"], "a given --san replaces the recorded list");
  assert.equal(keepRecordedSettings({}, undefined).name, undefined);
});

Deno.test("keepRecordedSettings: a source flag replaces the recorded source and digest; --tarball names the version", () => {
  const mirror = keepRecordedSettings({ mirror: "https://m.example" }, RECORD);
  assert.equal(mirror.bundle, undefined);
  assert.equal(mirror.sha256, undefined);
  assert.equal(mirror.version, "v3.5.16");
  const tarball = keepRecordedSettings({ tarball: "/x/etcd-v3.5.17-linux-amd64.tar.gz" }, RECORD);
  assert.equal(tarball.version, undefined);
  assert.equal(keepRecordedSettings({ version: "3.5.16" }, RECORD).bundle, "/srv/bundle", "same version");
  assert.equal(keepRecordedSettings({ version: "3.6.4" }, RECORD).bundle, undefined, "another version");
  const both = keepRecordedSettings({ tarball: "/x/etcd.tar.gz", version: "v3.5.16" }, RECORD);
  assert.equal(both.version, "v3.5.16", "a --version given with --tarball stays");
  const mirrored = { ...RECORD, source: { kind: "mirror", baseUrl: "https://m.example", caFile: "/ca.pem" } };
  const fromMirror = keepRecordedSettings({}, mirrored as InstallState);
  assert.equal(fromMirror.mirror, "https://m.example");
  assert.equal(fromMirror["mirror-ca"], "/ca.pem");
  const moved = keepRecordedSettings({ "advertise-address": "2001:db8::9" }, RECORD);
  assert.equal(moved["initial-cluster"], undefined, "a member that moves is planned from its flags");
});

Deno.test("another --version on a host installed from a tarball is refused as an upgrade, not blamed on the tarball", () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-remembered-version-" });
  try {
    const tarball = path.join(root, "etcd-v3.5.16-linux-amd64.tar.gz");
    Deno.writeTextFileSync(tarball, "");
    writeState(new HostRoot(root), {
      ...RECORD,
      files: {},
      dirs: [],
      source: { kind: "tarball", path: tarball },
    });
    const ctx = { values: { root, version: "3.6.4" }, sources: {}, positionals: [], env: {} };
    assert.throws(
      () => planFromContext({ ...ctx, out: createOutput({ quiet: true, env: {} }) }, "install"),
      (e: unknown) =>
        e instanceof EtcdupError && e.code === "version-change-needs-upgrade" && e.exit === Exit.precondition,
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
