/**
 * The S3 client against a real S3-protocol server (s3rver, which checks SigV4 signatures) on loopback,
 * with rclone as the independent client that lists and fetches what etcdup uploaded.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { openRemote, remoteSettings } from "../../lib/offsite/remote.ts";
import {
  deleteRemoteSnapshots,
  listRemoteSnapshots,
  newestAgeMs,
} from "../../lib/offsite/remote_snapshots.ts";
import { type DigestRecord, fetchSnapshot, shipSnapshot } from "../../lib/offsite/ship.ts";
import { startS3rver, type TestS3 } from "../support/s3rver.ts";
import { etcdupError, fileSha256, MiB, randomFile, rclone, testClient } from "./helpers.ts";

/** Runs `fn` with a fresh server holding bucket `snaps` and a temp dir; cleans both up. */
async function withServer(fn: (s3: TestS3, tmp: string) => Promise<void>): Promise<void> {
  const s3 = await startS3rver(["snaps"]);
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-offsite-" });
  try {
    await fn(s3, tmp);
  } finally {
    await s3.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("a multipart upload streamed from a file is stored whole: rclone lists and fetches the same bytes", async () => {
  await withServer(async (s3, tmp) => {
    const file = path.join(tmp, "snap.db.age");
    const sha = randomFile(file, 12 * MiB + 12345);
    const client = testClient(s3, "s3://snaps/etcd/node1");
    try {
      const r = await client.uploadFile("etcd/node1/a.db.age", file, sha);
      assert.deepEqual(r.parts, 3);
      assert.deepEqual(r.size, 12 * MiB + 12345);
      assert.deepEqual(r.sha256, sha);
      assert.deepEqual(r.verified, "md5");
      assert.deepEqual(r.url, "s3://snaps/etcd/node1/a.db.age");

      const listed = JSON.parse(await rclone(s3, tmp, ["lsjson", "T:snaps/etcd/node1"])) as {
        Path: string;
        Size: number;
      }[];
      assert.deepEqual(listed.map((o) => [o.Path, o.Size]), [["a.db.age", 12 * MiB + 12345]]);
      await rclone(s3, tmp, ["copyto", "T:snaps/etcd/node1/a.db.age", path.join(tmp, "by-rclone")]);
      assert.deepEqual(fileSha256(path.join(tmp, "by-rclone")), sha);

      const info = await client.head("etcd/node1/a.db.age");
      assert.deepEqual(info?.sha256, sha, "the digest travels as object metadata");
      const got = await client.getToFile("etcd/node1/a.db.age", path.join(tmp, "by-etcdup"));
      assert.deepEqual(got, { size: 12 * MiB + 12345, sha256: sha });
      assert.deepEqual(fs.statSync(path.join(tmp, "by-etcdup")).mode & 0o777, 0o600);
    } finally {
      await client.close();
    }
  });
});

Deno.test("files up to the multipart cutoff go as one streamed PutObject: empty, 1 MiB + 1, 12 MiB; rclone reads them back", async () => {
  await withServer(async (s3, tmp) => {
    const client = testClient(s3, "s3://snaps/", { multipartAbove: 64 * MiB });
    try {
      for (const size of [0, MiB + 1, 12 * MiB]) {
        const file = path.join(tmp, `f${size}`);
        const sha = randomFile(file, size);
        const r = await client.uploadFile(`one/f${size}.db`, file, size === MiB + 1 ? undefined : sha);
        assert.deepEqual([r.parts, r.size, r.sha256, r.verified], [1, size, sha, "md5"]);
        assert.equal((await client.head(`one/f${size}.db`))?.sha256, sha, "the digest travels as metadata");
        await rclone(s3, tmp, ["copyto", `T:snaps/one/f${size}.db`, path.join(tmp, `back${size}`)]);
        assert.equal(fileSha256(path.join(tmp, `back${size}`)), sha);
      }
    } finally {
      await client.close();
    }
  });
});

Deno.test("small objects: put, list across pages in key order, delete one and a batch", async () => {
  await withServer(async (s3, tmp) => {
    const client = testClient(s3, "s3://snaps/p/");
    try {
      const names = [
        "p/0001.db",
        "p/0002.db",
        "p/0003.db",
        "p/0004.db",
        "p/0005.db",
        "p/0006.db",
        "p/0007.db",
      ];
      for (const n of names) {
        const r = await client.putObject(n, new TextEncoder().encode(`snapshot ${n}`));
        assert.deepEqual(r.verified, "md5");
      }
      await client.putObject("other/keep.db", new TextEncoder().encode("not ours"));
      const listed: string[] = [];
      for await (const o of client.list("p/", 2)) listed.push(o.key);
      assert.deepEqual(listed, names, "seven objects over four pages, nothing outside the prefix");

      await client.deleteObject("p/0001.db");
      await client.deleteObjects(["p/0002.db", "p/0003.db", "p/0004.db"]);
      await client.deleteObject("p/missing.db");
      const left = (await rclone(s3, tmp, ["lsf", "-R", "T:snaps"])).trim().split("\n").sort();
      assert.deepEqual(left, ["other/", "other/keep.db", "p/", "p/0005.db", "p/0006.db", "p/0007.db"]);
      assert.deepEqual(await client.head("p/0001.db"), undefined);
    } finally {
      await client.close();
    }
  });
});

Deno.test("a tampered object is refused on download (exit 3) and leaves no file", async () => {
  await withServer(async (s3, tmp) => {
    const file = path.join(tmp, "snap");
    randomFile(file, 64 * 1024);
    const client = testClient(s3, "s3://snaps/");
    try {
      await client.uploadFile("t.db.age", file);
      const stored = path.join(s3.dir, "snaps", "t.db.age._S3rver_object");
      const bytes = fs.readFileSync(stored);
      bytes[1000] ^= 0xff;
      fs.writeFileSync(stored, bytes);
      const dst = path.join(tmp, "out");
      const err = await etcdupError(() => client.getToFile("t.db.age", dst));
      assert.deepEqual([err.code, err.exit], ["download-digest-mismatch", Exit.verification]);
      assert(!fs.existsSync(dst), "nothing is left behind");
    } finally {
      await client.close();
    }
  });
});

Deno.test("a file that differs from its recorded digest is not stored", async () => {
  await withServer(async (s3, tmp) => {
    const file = path.join(tmp, "snap");
    randomFile(file, 11 * MiB);
    const client = testClient(s3, "s3://snaps/");
    try {
      const err = await etcdupError(() => client.uploadFile("x.db", file, "0".repeat(64)));
      assert.deepEqual([err.code, err.exit], ["upload-digest-mismatch", Exit.verification]);
      assert.deepEqual(await client.head("x.db"), undefined, "the multipart upload was never completed");
      const small = path.join(tmp, "small");
      randomFile(small, 1000);
      const e2 = await etcdupError(() => client.uploadFile("s.db", small, "0".repeat(64)));
      assert.deepEqual([e2.code, e2.exit], ["upload-digest-mismatch", Exit.verification]);
      assert.deepEqual(await client.head("s.db"), undefined, "a single PUT is not even sent");
    } finally {
      await client.close();
    }
  });
});

Deno.test("a wrong secret key is refused by the server's SigV4 check, and the secret is never printed", async () => {
  await withServer(async (s3, tmp) => {
    const secret = "wrong-secret-d41d8cd98f00b204e9800998ecf8427e";
    const client = testClient(s3, "s3://snaps/", {
      credentials: { secretAccessKey: secret, sessionToken: "tok-0123456789" },
    });
    try {
      const file = path.join(tmp, "snap");
      randomFile(file, 1024);
      const err = await etcdupError(() => client.uploadFile("w.db", file));
      assert.deepEqual([err.code, err.exit], ["s3-access-denied", Exit.network]);
      assert(err.message.includes("SignatureDoesNotMatch"), err.message);
      const shown = JSON.stringify(err.toJSON()) + err.message + (err.hint ?? "");
      assert(
        !shown.includes(secret) && !shown.includes("tok-0123456789") && !/Signature=/.test(shown),
        shown,
      );
      const none = testClient(s3, "s3://nosuchbucket/");
      try {
        const e2 = await etcdupError(() => none.putObject("a", new Uint8Array(1)));
        assert.deepEqual([e2.code, e2.exit], ["s3-bucket-not-found", Exit.network]);
      } finally {
        await none.close();
      }
    } finally {
      await client.close();
    }
  });
});

Deno.test("openRemote: a root-only credentials file opens the bucket; the environment's keys are not used then", async () => {
  await withServer(async (s3, tmp) => {
    const creds = path.join(tmp, "s3.ini");
    fs.writeFileSync(
      creds,
      `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const settings = remoteSettings({
      upload: "s3://snaps/etcd",
      "s3-endpoint": s3.endpoint,
      "s3-credentials": creds,
    })!;
    const client = openRemote(settings, { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "wrong" });
    try {
      assert.equal(client.location.prefix, "etcd/");
      await client.putObject("etcd/x.db", new Uint8Array([1, 2, 3]));
      const keys: string[] = [];
      for await (const o of client.list(client.location.prefix)) keys.push(o.key);
      assert.deepEqual(keys, ["etcd/x.db"]);
    } finally {
      await client.close();
    }
    const viaEnv = openRemote({ ...settings, credentialsFile: undefined }, {
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "wrong",
    });
    try {
      const err = await etcdupError(() => viaEnv.head("etcd/x.db"));
      assert.deepEqual([err.code, err.exit], ["s3-access-denied", Exit.network]);
    } finally {
      await viaEnv.close();
    }
  });
});

Deno.test("remote snapshots: only etcdup's names directly under the prefix are listed and pruned, records with them", async () => {
  await withServer(async (s3, tmp) => {
    const client = testClient(s3, "s3://snaps/etcd");
    const put = (k: string) => client.putObject(k, new TextEncoder().encode(k));
    try {
      for (
        const k of [
          "etcd/etcdup-1000.db.age",
          "etcd/etcdup-1000.db.age.json",
          "etcd/etcdup-2000.db",
          "etcd/etcdup-3000.db.age",
          "etcd/etcdup-3000.db.age.json",
          "etcd/notes.txt",
          "etcd/sub/etcdup-4000.db",
          "etcd2/etcdup-5000.db",
        ]
      ) await put(k);
      const parse = (name: string) => {
        const m = name.match(/^etcdup-(\d+)\.db(\.age)?$/);
        return m ? { time: new Date(Number(m[1])), encrypted: m[2] !== undefined } : undefined;
      };
      const snaps = await listRemoteSnapshots(client, parse);
      assert.deepEqual(
        snaps.map((s) => [s.name, s.recordKey, s.info.encrypted]),
        [
          ["etcdup-3000.db.age", "etcd/etcdup-3000.db.age.json", true],
          ["etcdup-2000.db", undefined, false],
          ["etcdup-1000.db.age", "etcd/etcdup-1000.db.age.json", true],
        ],
      );
      assert.equal(newestAgeMs(snaps, new Date(3500)), 500);
      await deleteRemoteSnapshots(client, snaps.slice(1));
      const left = (await rclone(s3, tmp, ["lsf", "-R", "--files-only", "T:snaps"])).trim().split("\n")
        .sort();
      assert.deepEqual(left, [
        "etcd/etcdup-3000.db.age",
        "etcd/etcdup-3000.db.age.json",
        "etcd/notes.txt",
        "etcd/sub/etcdup-4000.db",
        "etcd2/etcdup-5000.db",
      ]);
    } finally {
      await client.close();
    }
  });
});

Deno.test("ship and fetch: snapshot then record; fetched back with the record's digest; no record or a wrong digest refused", async () => {
  await withServer(async (s3, tmp) => {
    const client = testClient(s3, "s3://snaps/etcd/");
    try {
      const file = path.join(tmp, "etcdup-1.db.age");
      const sha = randomFile(file, 6 * MiB);
      const up = await shipSnapshot(client, file, { sha256: sha, member: "etcd-a" } as DigestRecord);
      assert.deepEqual([up.key, up.sha256, up.verified], ["etcd/etcdup-1.db.age", sha, "md5"]);
      const listed = (await rclone(s3, tmp, ["lsf", "T:snaps/etcd"])).trim().split("\n").sort();
      assert.deepEqual(listed, ["etcdup-1.db.age", "etcdup-1.db.age.json"]);

      const into = path.join(tmp, "fetched");
      fs.mkdirSync(into);
      const got = await fetchSnapshot<DigestRecord & { member: string }>(
        client,
        "etcd/etcdup-1.db.age",
        into,
      );
      assert.deepEqual([got.path, got.size, got.record.member], [
        path.join(into, "etcdup-1.db.age"),
        6 * MiB,
        "etcd-a",
      ]);
      assert.equal(fileSha256(got.path), sha);

      await client.putObject("etcd/lonely.db", new Uint8Array([1]));
      const none = await etcdupError(() => fetchSnapshot(client, "etcd/lonely.db", into));
      assert.deepEqual([none.code, none.exit], ["remote-record-missing", Exit.network]);

      await client.putObject(
        "etcd/etcdup-1.db.age.json",
        new TextEncoder().encode(JSON.stringify({ sha256: "a".repeat(64) })),
      );
      const again = path.join(tmp, "again");
      fs.mkdirSync(again);
      const bad = await etcdupError(() => fetchSnapshot(client, "etcd/etcdup-1.db.age", again));
      assert.deepEqual([bad.code, bad.exit], ["download-digest-mismatch", Exit.verification]);
      assert.deepEqual(fs.readdirSync(again), [], "nothing is left of a refused download");
    } finally {
      await client.close();
    }
  });
});
