/**
 * Child process for {@link startS3rver}: runs the npm s3rver (the @20minutes fork, which checks SigV4
 * signatures) on a random loopback port, storing objects under DIR, with the given buckets; prints
 * `{"port":N}` once listening and runs until SIGTERM. S3RVER_LOG=1 prints its request log.
 * Usage: deno run -A tests/support/s3rver_main.ts DIR BUCKET...
 */
import crypto from "node:crypto";
import S3rver from "s3rver";

// s3rver obfuscates ListObjectsV2 continuation tokens with DES, which Deno's node:crypto lacks; for that one
// use (an opaque token it encrypts and decrypts itself) AES-128-CBC with the key and IV zero-padded stands in.
const pad16 = (b: Uint8Array) => Buffer.concat([Buffer.from(b), Buffer.alloc(16 - b.length)]);
// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;
const shim = (real: Fn): Fn => (algorithm: string, key: Uint8Array, iv: Uint8Array, ...rest: unknown[]) =>
  algorithm === "des"
    ? real("aes-128-cbc", pad16(key), pad16(iv), ...rest)
    : real(algorithm, key, iv, ...rest);
Object.assign(crypto, {
  createCipheriv: shim(crypto.createCipheriv),
  createDecipheriv: shim(crypto.createDecipheriv),
});

const [dir, ...buckets] = Deno.args;
const server = new S3rver({
  port: 0,
  address: "127.0.0.1",
  directory: dir,
  silent: Deno.env.get("S3RVER_LOG") === undefined,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port } = await server.run();
console.log(JSON.stringify({ port }));
Deno.addSignalListener("SIGTERM", async () => {
  await server.close();
  Deno.exit(0);
});
