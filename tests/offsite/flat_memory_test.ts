/**
 * "Bounded memory whatever the snapshot's size", as tests: a child process encrypts a file with age,
 * uploads it (multipart, 8 MiB parts) to s3rver, downloads it and decrypts it again, once for a 32 MiB file and once for
 * one 4x larger; its peak RSS (VmHWM) must grow by less than the file did (96 MiB): holding the file, its
 * ciphertext or the parts of one upload in memory costs at least that. And what `backup --encrypt-to
 * --upload` does (encrypt, then one streamed PutObject), in a child run with the shipped V8 flags, for a 24 and a 96 MiB
 * file: each under issue 17's bound, the larger within a few MiB of the smaller.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { startS3rver, type TestS3 } from "../support/s3rver.ts";
import { MiB, randomFile, runClean } from "./helpers.ts";
import { lowerOfTwo, peakRssOfEval, repoRoot as repo } from "../support/peak_rss.ts";
import { RSS_TARGET_MIB } from "../../bench/support/report.ts";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";

/** A client of the test server, as TypeScript for a child's code; `shape` overrides the upload's shape. */
function clientCode(s3: TestS3, shape = ""): string {
  return `
    import { S3Client } from "${repo}/lib/offsite/s3.ts";
    import { resolveLocation } from "${repo}/lib/offsite/location.ts";
    const client = new S3Client({
      location: resolveLocation({ url: "s3://snaps/", endpoint: "${s3.endpoint}" }),
      credentials: { accessKeyId: "${s3.accessKeyId}", secretAccessKey: "${s3.secretAccessKey}", source: "test" },
      http: { env: {} },${shape}
    });`;
}

/**
 * Encrypt then upload (the backup's order and the client's defaults: one streamed PutObject) of `file` in a fresh child
 * with the shipped V8 flags (`--expose-gc` included); returns its VmHWM in MiB.
 */
async function encryptUploadPeakMiB(s3: TestS3, file: string, dir: string, recipient: string) {
  const code = `${clientCode(s3)}
    import { encryptFile } from "${repo}/lib/backup/age.ts";
    const sealed = ${JSON.stringify(dir)} + "/" + crypto.randomUUID() + ".db.age";
    const enc = await encryptFile(${JSON.stringify(file)}, sealed, [${JSON.stringify(recipient)}]);
    const up = await client.uploadFile(crypto.randomUUID() + ".db.age", sealed, enc.sha256);
    if (up.verified !== "md5" || up.parts !== 1) throw new Error("not one verified PutObject");
    await client.close();
    Deno.removeSync(sealed);`;
  const v8 = RUNTIME_PERMISSIONS.filter((f) => f.startsWith("--v8-flags="));
  return await lowerOfTwo(async () => (await peakRssOfEval(code, v8)) / 1024);
}

/** Runs the whole round trip for `file` in a fresh child; returns its VmHWM in KiB. */
async function peakRssKiB(
  s3: TestS3,
  file: string,
  sha: string,
  dir: string,
  recipient: string,
  identity: string,
) {
  const code = `${clientCode(s3, " multipartAbove: 8 * 1024 * 1024, partSize: 8 * 1024 * 1024,")}
    import { decryptFile, encryptFile, loadIdentities } from "${repo}/lib/backup/age.ts";
    const dir = ${JSON.stringify(dir)};
    const tag = crypto.randomUUID();
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

/** The shared setting: skipped off Linux (saying why), s3rver with bucket `snaps`, a temp dir, an age key pair. */
async function withServerAndKey(
  fn: (s3: TestS3, dir: string, recipient: string, identity: string) => Promise<void>,
): Promise<void> {
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
    await fn(s3, dir, recipient, identity);
  } finally {
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("encrypt + multipart upload + download + decrypt of a 4x larger file keeps peak memory flat", async () => {
  await withServerAndKey(async (s3, dir, recipient, identity) => {
    const small = path.join(dir, "small.db");
    const large = path.join(dir, "large.db");
    const smallSha = randomFile(small, 32 * MiB);
    const largeSha = randomFile(large, 128 * MiB);
    const a = await peakRssKiB(s3, small, smallSha, dir, recipient, identity);
    const b = await peakRssKiB(s3, large, largeSha, dir, recipient, identity);
    console.log(`peak RSS: ${a} KiB for 32 MiB, ${b} KiB for 128 MiB`);
    assert.ok(a > 0 && b > 0);
    assert.ok(b - a < 96 * 1024, `peak RSS grew by ${b - a} KiB (${a} -> ${b}), as much as the file did`);
  });
});

Deno.test(`encrypt + streamed PutObject of a 24 and a 96 MiB file each peak under ${RSS_TARGET_MIB} MiB`, async () => {
  await withServerAndKey(async (s3, dir, recipient) => {
    const small = path.join(dir, "small.db");
    const large = path.join(dir, "large.db");
    randomFile(small, 24 * MiB);
    randomFile(large, 96 * MiB);
    const a = await encryptUploadPeakMiB(s3, small, dir, recipient);
    const b = await encryptUploadPeakMiB(s3, large, dir, recipient);
    console.log(`peak RSS: ${a.toFixed(1)} MiB for 24 MiB, ${b.toFixed(1)} MiB for 96 MiB`);
    assert.ok(a <= RSS_TARGET_MIB, `24 MiB: peak RSS ${a.toFixed(1)} MiB, over ${RSS_TARGET_MIB} MiB`);
    assert.ok(b <= RSS_TARGET_MIB, `96 MiB: peak RSS ${b.toFixed(1)} MiB, over ${RSS_TARGET_MIB} MiB`);
    assert.ok(b - a < 8, `peak RSS grew by ${(b - a).toFixed(1)} MiB (${a} -> ${b}) for a 4x larger file`);
  });
});
