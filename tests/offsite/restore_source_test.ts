/**
 * Restore's source from a bucket: a named snapshot or the newest one, downloaded with its record, verified,
 * decrypted with the identity when it is an age file; the refusals name the fix.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { encryptFile } from "../../lib/backup/age.ts";
import { fetchForRestore } from "../../lib/offsite/restore_source.ts";
import { shipSnapshot } from "../../lib/offsite/ship.ts";
import { startS3rver } from "../support/s3rver.ts";
import { etcdupError, fileSha256, randomFile, runClean, testClient } from "./helpers.ts";

const parse = (name: string) => {
  const m = name.match(/^etcdup-(\d+)\.db(\.age)?$/);
  return m ? { time: new Date(Number(m[1])) } : undefined;
};

Deno.test("fetchForRestore: by name or --latest, verified and decrypted; refusals with their exit codes", async () => {
  const s3 = await startS3rver(["snaps"]);
  const dir = await Deno.makeTempDir({ prefix: "etcdup-offsite-restore-" });
  try {
    const id = path.join(dir, "id");
    const other = path.join(dir, "other");
    await runClean(["age-keygen", "-o", id]);
    await runClean(["age-keygen", "-o", other]);
    const recipient = (await runClean(["age-keygen", "-y", id])).stdout.trim();
    const plainOld = path.join(dir, "etcdup-1000.db");
    const plainNew = path.join(dir, "plain-new.db");
    const oldSha = randomFile(plainOld, 100_000);
    const newSha = randomFile(plainNew, 200_000);
    const sealed = path.join(dir, "etcdup-2000.db.age");
    const enc = await encryptFile(plainNew, sealed, [recipient]);
    const client = testClient(s3, "s3://snaps/etcd/");
    try {
      await shipSnapshot(client, plainOld, { sha256: oldSha });
      await shipSnapshot(client, sealed, { sha256: enc.sha256 });
    } finally {
      await client.close();
    }
    const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const settings = { endpoint: s3.endpoint };
    let n = 0;
    const work = () => {
      const w = path.join(dir, `work-${n++}`);
      fs.mkdirSync(w, { mode: 0o700 });
      return w;
    };

    const latest = await fetchForRestore(
      { url: "s3://snaps/etcd", latest: true, settings, identityFile: id },
      env,
      work,
      parse,
    );
    assert.deepEqual([latest.from, latest.encrypted, latest.plainSha256], [
      "s3://snaps/etcd/etcdup-2000.db.age",
      true,
      newSha,
    ]);
    assert.equal(fileSha256(latest.plain), newSha);
    assert.equal(latest.record.sha256, enc.sha256, "the record's digest is of what was stored");

    const named = await fetchForRestore(
      { url: "s3://snaps/etcd/etcdup-1000.db", settings },
      env,
      work,
      parse,
    );
    assert.deepEqual([named.encrypted, fileSha256(named.plain)], [false, oldSha]);

    const noId = await etcdupError(() =>
      fetchForRestore({ url: "s3://snaps/etcd/etcdup-2000.db.age", settings }, env, work, parse)
    );
    assert.deepEqual([noId.code, noId.exit], ["identity-required", Exit.usage]);
    const w = work();
    const wrong = await etcdupError(() =>
      fetchForRestore(
        { url: "s3://snaps/etcd/etcdup-2000.db.age", settings, identityFile: other },
        env,
        () => w,
        parse,
      )
    );
    assert.deepEqual([wrong.code, wrong.exit], ["age-wrong-identity", Exit.verification]);
    assert.ok(!fs.readdirSync(w).includes("etcdup-2000.db"), "no plaintext is left");
    const prefix = await etcdupError(() =>
      fetchForRestore({ url: "s3://snaps/etcd/", settings }, env, work, parse)
    );
    assert.deepEqual([prefix.code, prefix.exit], ["restore-url-not-object", Exit.usage]);
    const empty = await etcdupError(() =>
      fetchForRestore({ url: "s3://snaps/nothing", latest: true, settings }, env, work, parse)
    );
    assert.deepEqual([empty.code, empty.exit], ["remote-no-snapshot", Exit.precondition]);
    const missing = await etcdupError(() =>
      fetchForRestore({ url: "s3://snaps/etcd/etcdup-3000.db", settings }, env, work, parse)
    );
    assert.deepEqual([missing.code, missing.exit], ["remote-record-missing", Exit.network]);
  } finally {
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
