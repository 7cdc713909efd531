/**
 * "Bounded memory whatever the snapshot's size", as a test: a child process encrypts a file with age,
 * uploads it (multipart, 16 MiB parts) to s3rver, downloads it and decrypts it again, once for a 32 MiB
 * file and once for one 4x larger; its peak RSS (VmHWM) must grow by less than the file did (96 MiB):
 * holding the file, its ciphertext or the parts of one upload in memory costs at least that.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { startS3rver, type TestS3 } from "../support/s3rver.ts";
import { MiB, randomFile, runClean } from "./helpers.ts";
import { peakRssOfEval, repoRoot as repo } from "../support/peak_rss.ts";

/** Runs the whole round trip for `file` in a fresh child; returns its VmHWM in KiB. */
async function peakRssKiB(
  s3: TestS3,
  file: string,
  sha: string,
  dir: string,
  recipient: string,
  identity: string,
) {
  const code = `
    import { S3Client } from "${repo}/lib/offsite/s3.ts";
    import { resolveLocation } from "${repo}/lib/offsite/location.ts";
    import { decryptFile, encryptFile, loadIdentities } from "${repo}/lib/backup/age.ts";
    const dir = ${JSON.stringify(dir)};
    const tag = crypto.randomUUID();
    const client = new S3Client({
      location: resolveLocation({ url: "s3://snaps/", endpoint: "${s3.endpoint}" }),
      credentials: { accessKeyId: "${s3.accessKeyId}", secretAccessKey: "${s3.secretAccessKey}", source: "test" },
      http: { env: {} },
    });
    const enc = await encryptFile(${JSON.stringify(file)}, dir + "/" + tag + ".age", [${
    JSON.stringify(recipient)
  }]);
    const up = await client.uploadFile(tag + ".db.age", dir + "/" + tag + ".age", enc.sha256);
    if (up.verified !== "md5" || up.parts < 2) throw new Error("not a verified multipart upload");
    await client.getToFile(tag + ".db.age", dir + "/" + tag + ".back", enc.sha256);
    const plain = await decryptFile(dir + "/" + tag + ".back", dir + "/" + tag + ".plain", loadIdentities(${
    JSON.stringify(identity)
  }));
    if (plain.sha256 !== "${sha}") throw new Error("round trip changed the bytes");
    await client.close();
    for (const s of [".age", ".back", ".plain"]) Deno.removeSync(dir + "/" + tag + s);`;
  return await peakRssOfEval(code);
}

Deno.test("encrypt + multipart upload + download + decrypt of a 4x larger file keeps peak memory flat", async () => {
  if (Deno.build.os !== "linux") {
    console.warn("skipped: needs Linux /proc for the peak RSS");
    return;
  }
  const s3 = await startS3rver(["snaps"]);
  const dir = await Deno.makeTempDir({ prefix: "etcdup-offsite-flat-" });
  try {
    const identity = path.join(dir, "id");
    assert.equal((await runClean(["age-keygen", "-o", identity])).code, 0);
    const recipient = (await runClean(["age-keygen", "-y", identity])).stdout.trim();
    const small = path.join(dir, "small.db");
    const large = path.join(dir, "large.db");
    const smallSha = randomFile(small, 32 * MiB);
    const largeSha = randomFile(large, 128 * MiB);
    const a = await peakRssKiB(s3, small, smallSha, dir, recipient, identity);
    const b = await peakRssKiB(s3, large, largeSha, dir, recipient, identity);
    console.log(`peak RSS: ${a} KiB for 32 MiB, ${b} KiB for 128 MiB`);
    assert.ok(a > 0 && b > 0);
    assert.ok(b - a < 96 * 1024, `peak RSS grew by ${b - a} KiB (${a} -> ${b}), as much as the file did`);
  } finally {
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
