/**
 * Network faults between etcdup and the S3 server, injected by a loopback TCP proxy in front of s3rver:
 * a connection dropped in the middle of a part, 500s that then recover, a server that stays broken, a
 * server that is down. Retries make the first two succeed with the stored bytes intact (checked with
 * rclone); the others fail with exit 5 and a message that names the object but no secret.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { Exit } from "../../lib/errors.ts";
import { startS3rver, type TestS3 } from "../support/s3rver.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { startConnectProxy } from "../support/proxy.ts";
import { makeTestPki } from "../support/https_server.ts";
import { S3Client } from "../../lib/offsite/s3.ts";
import { resolveLocation } from "../../lib/offsite/location.ts";
import { etcdupError, fileSha256, MiB, randomFile, rclone, testClient } from "./helpers.ts";

const SECRET = "s3cr3t-never-printed-7f3a";

async function withProxy(
  fn: (s3: TestS3, proxy: Awaited<ReturnType<typeof startFaultProxy>>, tmp: string) => Promise<void>,
) {
  const s3 = await startS3rver(["snaps"]);
  const proxy = await startFaultProxy(s3.port);
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-offsite-faults-" });
  try {
    await fn(s3, proxy, tmp);
  } finally {
    await proxy.close();
    await s3.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("a connection dropped in the middle of a part is retried for that part and the object is whole", async () => {
  await withProxy(async (s3, proxy, tmp) => {
    const file = path.join(tmp, "snap");
    const sha = randomFile(file, 12 * MiB);
    const client = testClient(s3, "s3://snaps/", { endpoint: proxy.url });
    try {
      proxy.dropAfter(3 * MiB);
      const r = await client.uploadFile("drop.db.age", file, sha);
      assert.equal(proxy.faults, 1, "the drop happened");
      assert.deepEqual([r.parts, r.verified, r.sha256], [3, "md5", sha]);
      await rclone(s3, tmp, ["copyto", "T:snaps/drop.db.age", path.join(tmp, "back")]);
      assert.equal(fileSha256(path.join(tmp, "back")), sha);
    } finally {
      await client.close();
    }
  });
});

Deno.test("a file streamed as one PutObject: a connection dropped mid-body sends the object again, whole", async () => {
  await withProxy(async (s3, proxy, tmp) => {
    const file = path.join(tmp, "snap");
    const sha = randomFile(file, 12 * MiB + 7);
    const client = testClient(s3, "s3://snaps/", { endpoint: proxy.url, multipartAbove: 1024 * MiB });
    try {
      proxy.dropAfter(5 * MiB);
      const r = await client.uploadFile("one.db.age", file, sha);
      assert.equal(proxy.faults, 1, "the drop happened");
      assert.deepEqual([r.parts, r.verified, r.size, r.sha256], [1, "md5", 12 * MiB + 7, sha]);
      await rclone(s3, tmp, ["copyto", "T:snaps/one.db.age", path.join(tmp, "back")]);
      assert.equal(fileSha256(path.join(tmp, "back")), sha);
    } finally {
      await client.close();
    }
  });
});

Deno.test("500s then recovery: a single PUT and a multipart upload both succeed after retries", async () => {
  await withProxy(async (s3, proxy, tmp) => {
    const small = path.join(tmp, "small");
    const big = path.join(tmp, "big");
    randomFile(small, 1000);
    const sha = randomFile(big, 11 * MiB);
    const client = testClient(s3, "s3://snaps/", { endpoint: proxy.url });
    try {
      proxy.fail500(2);
      const r1 = await client.uploadFile("small.db", small);
      assert.equal(proxy.faults, 2);
      assert.equal(r1.verified, "md5");
      await client.close();
      const again = testClient(s3, "s3://snaps/", { endpoint: proxy.url });
      try {
        proxy.fail500(2);
        const r2 = await again.uploadFile("big.db", big, sha);
        assert.equal(proxy.faults, 4);
        assert.deepEqual([r2.parts, r2.verified], [3, "md5"]);
      } finally {
        await again.close();
      }
      const listed = JSON.parse(await rclone(s3, tmp, ["lsjson", "T:snaps"])) as {
        Path: string;
        Size: number;
      }[];
      assert.deepEqual(listed.map((o) => [o.Path, o.Size]).sort(), [["big.db", 11 * MiB], [
        "small.db",
        1000,
      ]]);
    } finally {
      await client.close();
    }
  });
});

Deno.test("a server that keeps answering 500 fails the upload with exit 5 after the retries", async () => {
  await withProxy(async (s3, proxy, tmp) => {
    const file = path.join(tmp, "snap");
    randomFile(file, 1000);
    const client = testClient(s3, "s3://snaps/", {
      endpoint: proxy.url,
      retries: 2,
      credentials: { secretAccessKey: SECRET },
    });
    try {
      proxy.fail500(1000);
      const err = await etcdupError(() => client.uploadFile("never.db", file));
      assert.deepEqual([err.code, err.exit], ["s3-server-error", Exit.network]);
      assert.match(err.message, /s3:\/\/snaps\/never\.db.*HTTP 500 InternalError.*after 3 attempts/);
      assert.equal(proxy.faults, 3);
      assert.ok(!JSON.stringify(err.toJSON()).includes(SECRET));
    } finally {
      await client.close();
    }
  });
});

Deno.test("a server that is down fails with exit 5 naming the object, without the secret", async () => {
  const s3 = await startS3rver(["snaps"]);
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-offsite-down-" });
  const file = path.join(tmp, "snap");
  randomFile(file, 6 * MiB);
  const client = testClient(s3, "s3://snaps/", {
    retries: 1,
    credentials: { secretAccessKey: SECRET, sessionToken: "session-token-xyz" },
  });
  try {
    await s3.stop();
    const err = await etcdupError(() => client.uploadFile("down.db", file));
    assert.deepEqual([err.code, err.exit], ["s3-unreachable", Exit.network]);
    assert.match(err.message, /s3:\/\/snaps\/down\.db.*(ECONNREFUSED|refused).*after 2 attempts/i);
    const shown = JSON.stringify(err.toJSON());
    assert.ok(!shown.includes(SECRET) && !shown.includes("session-token-xyz"), shown);
  } finally {
    await client.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a server that takes the streamed body but never answers: the idle timeout ends each attempt, exit 5", async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.resume(); // reads everything, answers nothing
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
  const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-offsite-silent-" });
  const client = new S3Client({
    location: resolveLocation({ url: "s3://snaps/", endpoint }),
    credentials: { accessKeyId: "AK", secretAccessKey: SECRET, source: "test" },
    http: { env: {}, retries: 1, backoffMs: 10, connectTimeoutMs: 1000, idleTimeoutMs: 300 },
  });
  try {
    const file = path.join(tmp, "snap");
    const sha = randomFile(file, 2 * MiB);
    const started = Date.now();
    const err = await etcdupError(() => client.uploadFile("silent.db", file, sha));
    assert.deepEqual([err.code, err.exit], ["s3-unreachable", Exit.network]);
    assert.match(err.message, /no progress for 300 ms.*after 2 attempts/);
    assert.ok(Date.now() - started < 5000, "bounded by the idle timeout, not a hang");
    assert.ok(!JSON.stringify(err.toJSON()).includes(SECRET));
  } finally {
    await client.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a download cut off in the middle resumes with Range and yields the whole object", async () => {
  await withProxy(async (s3, proxy, tmp) => {
    const file = path.join(tmp, "snap");
    const sha = randomFile(file, 6 * MiB);
    const client = testClient(s3, "s3://snaps/", { endpoint: proxy.url });
    try {
      await client.uploadFile("dl.db.age", file, sha);
      await client.close();
      const reader = testClient(s3, "s3://snaps/", { endpoint: proxy.url });
      try {
        proxy.dropAfter(3 * MiB, "down");
        const got = await reader.getToFile("dl.db.age", path.join(tmp, "back"));
        assert.equal(proxy.faults, 1, "the drop happened");
        assert.deepEqual(got, { size: 6 * MiB, sha256: sha });
      } finally {
        await reader.close();
      }
    } finally {
      await client.close();
    }
  });
});

Deno.test("requests go through the proxy of the environment (HTTP_PROXY), as downloads do", async () => {
  const s3 = await startS3rver(["snaps"]);
  const proxy = await startConnectProxy();
  const dir = await Deno.makeTempDir({ prefix: "etcdup-offsite-proxy-" });
  try {
    const client = new S3Client({
      location: resolveLocation({ url: "s3://snaps/", endpoint: s3.endpoint }),
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, source: "test" },
      http: { env: { HTTP_PROXY: proxy.url, NO_PROXY: "" }, retries: 0 },
    });
    try {
      await client.putObject("via-proxy.db", new Uint8Array([7]));
      assert.deepEqual([...new Set(proxy.connects)], [`127.0.0.1:${s3.port}`]);
      proxy.connects.length = 0;
      const file = path.join(dir, "snap");
      const sha = randomFile(file, 3 * MiB);
      const r = await client.uploadFile("streamed-via-proxy.db", file, sha);
      assert.deepEqual([r.parts, r.verified], [1, "md5"]);
      assert.deepEqual([...new Set(proxy.connects)], [`127.0.0.1:${s3.port}`], "the streamed PUT too");
    } finally {
      await client.close();
    }
  } finally {
    await proxy.close();
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a part that fails for good fails the whole upload with exit 5 and completes nothing", async () => {
  await withProxy(async (s3, proxy, tmp) => {
    const file = path.join(tmp, "snap");
    randomFile(file, 16 * MiB);
    const client = testClient(s3, "s3://snaps/", { endpoint: proxy.url, retries: 1 });
    try {
      proxy.dropAfter(3 * MiB, "up", true);
      const err = await etcdupError(() => client.uploadFile("broken.db", file));
      assert.deepEqual([err.code, err.exit], ["s3-unreachable", Exit.network]);
      assert.match(err.message, /upload of part \d of s3:\/\/snaps\/broken\.db/);
      assert.equal(await client.head("broken.db"), undefined);
    } finally {
      await client.close();
    }
  });
});

/** s3rver behind a TLS front with a private CA's certificate for 127.0.0.1; `fn` gets its endpoint and CA file. */
async function withTlsFront(
  fn: (s3: TestS3, endpoint: string, caFile: string, dir: string) => Promise<void>,
) {
  const s3 = await startS3rver(["snaps"]);
  const pki = await makeTestPki();
  const dir = await Deno.makeTempDir({ prefix: "etcdup-offsite-tls-" });
  const sockets = new Set<net.Socket>();
  const front = tls.createServer({ key: pki.keyPem, cert: pki.certPem }, (client) => {
    const upstream = net.connect(s3.port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", () => resolve()));
  const endpoint = `https://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
  const caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, pki.caPem);
  try {
    await fn(s3, endpoint, caFile, dir);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => front.close(() => resolve()));
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an HTTPS endpoint with a private CA: untrusted without --s3-ca (exit 5, no retry), trusted with it", async () => {
  await withTlsFront(async (s3, endpoint, caFile, dir) => {
    const open = (ca?: string) =>
      new S3Client({
        location: resolveLocation({ url: "s3://snaps/", endpoint }),
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, source: "test" },
        http: { env: {}, caFile: ca, retries: 3, backoffMs: 2000 },
      });
    const file = path.join(dir, "snap");
    const sha = randomFile(file, 2 * MiB);
    const untrusted = open();
    try {
      for (
        const attempt of [
          () => untrusted.putObject("tls.db", new Uint8Array([1])),
          () => untrusted.uploadFile("tls2.db", file, sha),
        ]
      ) {
        const started = Date.now();
        const err = await etcdupError(attempt);
        assert.deepEqual([err.code, err.exit], ["s3-tls-verify-failed", Exit.network]);
        assert.match(err.hint ?? "", /--s3-ca/);
        assert.ok(Date.now() - started < 2000, "a certificate problem is not retried");
      }
    } finally {
      await untrusted.close();
    }
    const trusted = open(caFile);
    try {
      assert.equal((await trusted.putObject("tls.db", new Uint8Array([1]))).verified, "md5");
      const r = await trusted.uploadFile("tls2.db", file, sha);
      assert.deepEqual([r.parts, r.verified], [1, "md5"], "the streamed PUT trusts --s3-ca too");
    } finally {
      await trusted.close();
    }
  });
});

Deno.test("HTTPS through HTTPS_PROXY: a CONNECT tunnel for the streamed upload and the other requests, --s3-ca trusted", async () => {
  await withTlsFront(async (s3, endpoint, caFile, dir) => {
    const proxy = await startConnectProxy();
    const file = path.join(dir, "snap");
    const sha = randomFile(file, 6 * MiB + 3);
    const port = new URL(endpoint).port;
    const client = testClient(s3, "s3://snaps/", {
      endpoint,
      caFile,
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: "localhost" },
      multipartAbove: 5 * MiB,
    });
    try {
      const r = await client.uploadFile("tunnel.db", file, sha);
      assert.deepEqual([r.parts, r.verified, r.sha256], [2, "md5", sha]);
      assert.deepEqual([...new Set(proxy.connects)], [`127.0.0.1:${port}`]);
      const streamed = proxy.connects.length;
      // each part on its own tunnel; fetch keeps one alive for create, complete and HEAD
      assert.ok(streamed >= 3, `${streamed} tunnels for two parts and the other requests`);
      const small = path.join(dir, "small");
      const smallSha = randomFile(small, MiB + 1);
      const one = await client.uploadFile("tunnel1.db", small, smallSha);
      assert.deepEqual([one.parts, one.verified], [1, "md5"], "one streamed PutObject through the tunnel");
      assert.ok(proxy.connects.length > streamed);
      await rclone(s3, dir, ["copyto", "T:snaps/tunnel.db", path.join(dir, "back")]);
      assert.equal(fileSha256(path.join(dir, "back")), sha);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
