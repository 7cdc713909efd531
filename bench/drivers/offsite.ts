/**
 * The etcdup side of the offsite bench, run as its own process (like the CLI): age-encrypts FILE to
 * RECIPIENT into WORK_DIR (streamed), then uploads the ciphertext to s3://BUCKET/KEY at ENDPOINT (streamed
 * from the file, one PutObject up to 4 GiB, verified), with the credentials of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and removes the ciphertext.
 *
 * Usage: deno run <runtime permissions> bench/drivers/offsite.ts ENDPOINT BUCKET KEY FILE RECIPIENT WORK_DIR
 */
import * as path from "node:path";
import { encryptFile } from "../../lib/backup/age.ts";
import { openRemote } from "../../lib/offsite/remote.ts";

if (import.meta.main) {
  const [endpoint, bucket, key, file, recipient, work] = Deno.args;
  const sealed = path.join(work, `${crypto.randomUUID()}.db.age`);
  const client = openRemote({ url: `s3://${bucket}/`, endpoint }, Deno.env.toObject());
  try {
    const enc = await encryptFile(file, sealed, [recipient]);
    const up = await client.uploadFile(key, sealed, enc.sha256);
    if (up.verified !== "md5") throw new Error(`upload verified by ${up.verified} only`);
  } finally {
    await client.close();
    Deno.removeSync(sealed);
  }
}
