/**
 * Downloads against a real HTTPS mirror on loopback: the mirror's own CA (required, TLS never skipped), a real
 * CONNECT proxy from HTTPS_PROXY (and NO_PROXY bypassing it), 404, retries on 5xx, resume with Range after
 * the server cuts the stream mid-body, redirects, and a connection that keeps dropping.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Exit } from "../../lib/errors.ts";
import { obtainRelease, type ReleaseRequest, type StagedRelease } from "../../lib/release/obtain.ts";
import { type Handler, serveFiles, startHttpsServer, type TestServer } from "../support/https_server.ts";
import { startConnectProxy } from "../support/proxy.ts";
import { releaseEntries, writeRelease } from "../support/tarball_builder.ts";
import { topFolderName as topFolder } from "../../lib/release/file_name.ts";
import { captureOutput, listTree, rejectsWith, tempDir } from "./helpers.ts";

const V = "v9.2.0";
const FAST = { retries: 3, backoffMs: 20, connectTimeoutMs: 5000, idleTimeoutMs: 5000 };

interface Mirror {
  server: TestServer;
  tarball: { path: string; name: string; sha256: string; bytes: Uint8Array };
  /** Request paths with their Range headers, e.g. `/v9.2.0/x range=bytes=100-`. */
  seen: string[];
  work: string;
}

/**
 * Runs `fn` with a mirror serving a ~1 MiB release (random filler, so gzip cannot shrink it) and its
 * SHA256SUMS; `wrap` may intercept requests before the file handler.
 */
async function withMirror(
  wrap: (files: Handler, tarball: Mirror["tarball"]) => Handler,
  fn: (m: Mirror) => Promise<void>,
): Promise<void> {
  const work = tempDir();
  const filler = {
    name: `${topFolder(V, "amd64")}/Documentation/filler`,
    data: new Uint8Array(randomBytes(1 << 20)),
  };
  const tarball = await writeRelease(work, V, "amd64", { entries: [...releaseEntries(V, "amd64"), filler] });
  const files = serveFiles({
    [`/${V}/${tarball.name}`]: tarball.path,
    [`/${V}/SHA256SUMS`]: new TextEncoder().encode(`${tarball.sha256}  ${tarball.name}\n`),
    [`/objects/${tarball.sha256}`]: tarball.path,
  });
  const seen: string[] = [];
  const inner = wrap(files, tarball);
  const server = await startHttpsServer((req, res) => {
    seen.push(`${req.url}${req.headers.range ? ` range=${req.headers.range}` : ""}`);
    inner(req, res);
  });
  const stage = path.join(work, "stage");
  fs.mkdirSync(stage);
  try {
    await fn({ server, tarball, seen, work: stage });
  } finally {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const request = (m: Mirror, extra: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
  version: V,
  arch: "amd64",
  source: { kind: "mirror", baseUrl: m.server.url, caFile: m.server.caFile },
  stagingParent: m.work,
  env: {},
  http: FAST,
  ...extra,
});

async function obtainOk(m: Mirror, extra: Partial<ReleaseRequest> = {}): Promise<StagedRelease> {
  const staged = await obtainRelease(request(m, extra), captureOutput().out);
  assert.equal(staged.sha256, m.tarball.sha256);
  staged.cleanup();
  return staged;
}

const tarPath = `/${V}/etcd-${V}-linux-amd64.tar.gz`;
const plain = (files: Handler) => files;

Deno.test("mirror with its own CA: SHA256SUMS fetched from the same source, then the tarball", async () => {
  await withMirror(plain, async (m) => {
    const staged = await obtainOk(m);
    assert.equal(staged.trust, "sha256sums");
    assert.deepEqual(m.seen, [`/${V}/SHA256SUMS`, tarPath]);
  });
});

Deno.test("mirror CA required: without --mirror-ca TLS verification fails (exit 5), nothing staged", async () => {
  await withMirror(plain, async (m) => {
    const err = await rejectsWith(
      obtainRelease(request(m, { source: { kind: "mirror", baseUrl: m.server.url } }), captureOutput().out),
      "tls-verify-failed",
      Exit.network,
    );
    assert.match(err.message, new RegExp(m.server.url.replaceAll(".", "\\.")));
    assert.match(err.hint ?? "", /--mirror-ca/);
    assert.deepEqual(listTree(m.work), []);
  });
});

Deno.test("404: the error names the URL and status and suggests --tarball", async () => {
  await withMirror(plain, async (m) => {
    const err = await rejectsWith(
      obtainRelease(request(m, { version: "v9.2.1", sha256: "0".repeat(64) }), captureOutput().out),
      "release-not-found",
      Exit.network,
    );
    assert.match(err.message, /etcd-v9\.2\.1-linux-amd64\.tar\.gz failed: HTTP 404/);
    assert.match(err.hint ?? "", /--tarball/);
  });
});

Deno.test("5xx twice, then success: retried with backoff", async () => {
  let failures = 0;
  const flaky = (files: Handler): Handler => (req, res) => {
    if (req.url === tarPath && failures++ < 2) {
      res.writeHead(503);
      res.end("busy");
      return;
    }
    files(req, res);
  };
  await withMirror(flaky, async (m) => {
    await obtainOk(m, { sha256: m.tarball.sha256 });
    assert.deepEqual(m.seen, [tarPath, tarPath, tarPath]);
  });
});

Deno.test("5xx forever: gives up with the status after the retries", async () => {
  const down = (_files: Handler): Handler => (_req, res) => {
    res.writeHead(502);
    res.end();
  };
  await withMirror(down, async (m) => {
    const err = await rejectsWith(
      obtainRelease(request(m, { sha256: m.tarball.sha256 }), captureOutput().out),
      "http-status",
      Exit.network,
    );
    assert.match(err.message, /HTTP 502/);
    assert.equal(m.seen.length, FAST.retries + 1);
  });
});

Deno.test("cut mid-body: resumed with Range, the digest covers the resumed bytes", async () => {
  let cut = false;
  const cutter = (files: Handler, tarball: Mirror["tarball"]): Handler => (req, res) => {
    if (req.url !== tarPath || cut) return files(req, res);
    cut = true;
    res.writeHead(200, { "content-length": tarball.bytes.length, "accept-ranges": "bytes" });
    res.write(tarball.bytes.subarray(0, 300_000), () => setTimeout(() => res.socket?.destroy(), 50));
  };
  await withMirror(cutter, async (m) => {
    await obtainOk(m, { sha256: m.tarball.sha256 });
    assert.equal(m.seen[0], tarPath);
    const resumed = m.seen.slice(1).find((s) => s.startsWith(`${tarPath} range=bytes=`));
    assert.ok(resumed, `expected a Range request, saw ${m.seen.join(", ")}`);
    assert.ok(Number(resumed.match(/bytes=(\d+)-/)![1]) > 0);
  });
});

Deno.test("redirects are followed (GitHub sends downloads to its object store)", async () => {
  const toStore = (files: Handler, tarball: Mirror["tarball"]): Handler => (req, res) => {
    if (req.url !== tarPath) return files(req, res);
    res.writeHead(302, { location: `/objects/${tarball.sha256}` });
    res.end();
  };
  await withMirror(toStore, async (m) => {
    await obtainOk(m, { sha256: m.tarball.sha256 });
    assert.deepEqual(m.seen, [tarPath, `/objects/${m.tarball.sha256}`]);
  });
});

Deno.test("HTTPS_PROXY: the download goes through a real CONNECT proxy; NO_PROXY bypasses it", async () => {
  const proxy = await startConnectProxy();
  try {
    await withMirror(plain, async (m) => {
      const hostPort = new URL(m.server.url).host;
      await obtainOk(m, { env: { HTTPS_PROXY: proxy.url } });
      assert.ok(proxy.connects.includes(hostPort), `proxy saw ${proxy.connects.join(", ")}`);
      const before = proxy.connects.length;
      await obtainOk(m, { env: { https_proxy: proxy.url, NO_PROXY: "127.0.0.1" } });
      assert.equal(proxy.connects.length, before, "NO_PROXY host must not use the proxy");
    });
  } finally {
    await proxy.close();
  }
});

Deno.test("a connection that keeps dropping: exit 5 naming the URL, nothing staged", async () => {
  const dropper = (_files: Handler): Handler => (req, _res) => req.socket.destroy();
  await withMirror(dropper, async (m) => {
    const err = await rejectsWith(
      obtainRelease(request(m, { sha256: m.tarball.sha256 }), captureOutput().out),
      "download-failed",
      Exit.network,
    );
    assert.match(err.message, /after 4 attempts/);
    assert.deepEqual(listTree(m.work), []);
  });
});
