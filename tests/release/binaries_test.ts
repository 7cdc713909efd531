/**
 * Installing staged binaries: root:root 0755 by atomic rename, byte-identical ones left alone; and a run
 * SIGKILLed mid-download leaves no partial binary in the bin dir, only a staging dir the next run removes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { HostRoot } from "../../lib/host/fs.ts";
import { obtainRelease } from "../../lib/release/obtain.ts";
import { cleanStaleStaging, installBinaries } from "../../lib/release/binaries.ts";
import { elfStub, releaseEntries, writeRelease } from "../support/tarball_builder.ts";
import { startHttpsServer } from "../support/https_server.ts";
import { topFolderName as topFolder } from "../../lib/release/file_name.ts";
import { captureOutput, tempDir } from "./helpers.ts";

const V = "v9.3.0";
const BIN = "/usr/local/bin";
const repo = path.resolve(import.meta.dirname!, "../..");

Deno.test("installBinaries: 0755 root:root, atomic replace, unchanged on a second run", async () => {
  const root = tempDir();
  try {
    const host = new HostRoot(root);
    const src = path.join(root, "src");
    fs.mkdirSync(src);
    const t = await writeRelease(src, V, "amd64");
    host.ensureDir(BIN, { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic(`${BIN}/etcd`, "old etcd", { uid: 0, gid: 0, mode: 0o700 });
    const stage = async () =>
      await obtainRelease({
        version: V,
        arch: "amd64",
        source: { kind: "tarball", path: t.path },
        sha256: t.sha256,
        stagingParent: host.resolve(BIN),
      }, captureOutput().out);

    const first = await stage();
    try {
      assert.deepEqual(installBinaries(first, host, BIN), {
        changed: [`${BIN}/etcd`, `${BIN}/etcdctl`, `${BIN}/etcdutl`],
        unchanged: [],
      });
    } finally {
      first.cleanup();
    }
    for (const name of ["etcd", "etcdctl", "etcdutl"]) {
      const st = host.stat(`${BIN}/${name}`)!;
      assert.deepEqual([st.uid, st.gid, st.mode], [0, 0, 0o755], name);
    }
    assert.deepEqual(fs.readdirSync(host.resolve(BIN)).sort(), ["etcd", "etcdctl", "etcdutl"]);
    const out = new Deno.Command(host.resolve(`${BIN}/etcd`), { args: ["--version"] }).outputSync();
    assert.match(new TextDecoder().decode(out.stdout), /etcd Version: 9\.3\.0/);

    const second = await stage();
    try {
      assert.deepEqual(installBinaries(second, host, BIN).changed, []);
    } finally {
      second.cleanup();
    }
    assert.deepEqual(fs.readdirSync(host.resolve(BIN)).sort(), ["etcd", "etcdctl", "etcdutl"]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("SIGKILL mid-download: no partial binary in the bin dir; the next run cleans the staging dir", async () => {
  const root = tempDir();
  const top = topFolder(V, "amd64");
  // A big etcd entry first, so the kill lands while etcd is half written in staging.
  const bigEtcd = new Uint8Array([...elfStub("amd64", "etcd Version: 9.3.0\n"), ...randomBytes(2 << 20)]);
  const entries = releaseEntries(V, "amd64").map((
    e,
  ) => (e.name === `${top}/etcd` ? { ...e, data: bigEtcd } : e));
  const t = await writeRelease(root, V, "amd64", { entries });
  // The mirror sends 600 KB and then stalls forever.
  const server = await startHttpsServer((_req, res) => {
    res.writeHead(200, { "content-length": t.bytes.length });
    res.write(t.bytes.subarray(0, 600_000));
  });
  const host = new HostRoot(path.join(root, "host"));
  host.ensureDir(BIN, { uid: 0, gid: 0, mode: 0o755 });
  host.writeAtomic(`${BIN}/etcd`, "old etcd", { uid: 0, gid: 0, mode: 0o755 });
  const code = `
    import { obtainRelease } from "${repo}/lib/release/obtain.ts";
    import { createOutput } from "${repo}/lib/cli/output.ts";
    await obtainRelease({ version: "${V}", arch: "amd64", sha256: "${t.sha256}", env: {},
      source: { kind: "mirror", baseUrl: "${server.url}", caFile: "${server.caFile}" },
      stagingParent: "${host.resolve(BIN)}" }, createOutput({ quiet: true, env: {} }));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: repo,
    stdout: "null",
    stderr: "piped",
  })
    .spawn();
  try {
    const deadline = Date.now() + 60_000;
    let partial: string | undefined;
    while (!partial && Date.now() < deadline) {
      const staging = fs.readdirSync(host.resolve(BIN)).find((n) => n.startsWith(".etcdup-staging-"));
      const etcd = staging && path.join(host.resolve(BIN), staging, "etcd");
      if (etcd && fs.existsSync(etcd) && fs.statSync(etcd).size > 0) partial = etcd;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(partial, "the child never started writing etcd into its staging dir");
    assert.ok(fs.statSync(partial).size < bigEtcd.length, "etcd must still be partial when killed");
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");

    const left = fs.readdirSync(host.resolve(BIN)).sort();
    assert.equal(left.length, 2);
    assert.match(left[0], /^\.etcdup-staging-\d+-/);
    assert.equal(left[1], "etcd");
    assert.equal(host.readText(`${BIN}/etcd`), "old etcd", "the old binary is untouched");

    assert.deepEqual(cleanStaleStaging(host, BIN), [`${BIN}/${left[0]}`]);
    assert.deepEqual(fs.readdirSync(host.resolve(BIN)), ["etcd"]);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.stderr.cancel();
    await child.status;
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("cleanStaleStaging keeps staging dirs of live processes and other files", () => {
  const root = tempDir();
  try {
    const host = new HostRoot(root);
    host.ensureDir(BIN, { uid: 0, gid: 0, mode: 0o755 });
    const live = `.etcdup-staging-${Deno.pid}-abcd`;
    fs.mkdirSync(host.resolve(`${BIN}/${live}`));
    fs.writeFileSync(host.resolve(`${BIN}/.etcdup-staging-notapid`), "");
    assert.deepEqual(cleanStaleStaging(host, BIN), []);
    assert.deepEqual(cleanStaleStaging(host, "/does/not/exist"), []);
    assert.equal(fs.readdirSync(host.resolve(BIN)).length, 2);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
