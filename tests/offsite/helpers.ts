/**
 * Shared pieces of the offsite tests: an {@link S3Client} on a test server, random files, and the
 * independent tools (rclone, age) run with an environment the test controls: the machine's may carry
 * AWS_CA_BUNDLE, SSL_CERT_FILE or proxy variables, which must not leak into what a test proves.
 */
import * as fs from "node:fs";
import { createHash, randomFillSync } from "node:crypto";
import { S3Client } from "../../lib/offsite/s3.ts";
import { resolveLocation } from "../../lib/offsite/location.ts";
import type { S3Credentials } from "../../lib/offsite/credentials.ts";
import type { TestS3 } from "../support/s3rver.ts";
import type { ExecResult } from "../support/exec.ts";
import { EtcdupError } from "../../lib/errors.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { type LocalCluster, startLocalCluster } from "../cluster/local_cluster.ts";
import { startS3rver } from "../support/s3rver.ts";
import { backupTree } from "../backup/snapshots.ts";

export const MiB = 1024 * 1024;

/**
 * A client for `s3://BUCKET/PREFIX` at `endpoint` (the server itself or a proxy in front of it). Files over
 * 5 MiB go multipart in 5 MiB parts unless `multipartAbove` says otherwise, so the multipart path is
 * tested on small files.
 */
export function testClient(
  s3: TestS3,
  url: string,
  opts: {
    endpoint?: string;
    partSize?: number;
    multipartAbove?: number;
    retries?: number;
    credentials?: Partial<S3Credentials>;
    env?: Record<string, string>;
    caFile?: string;
  } = {},
): S3Client {
  return new S3Client({
    location: resolveLocation({ url, endpoint: opts.endpoint ?? s3.endpoint, region: "us-east-1" }),
    credentials: {
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      source: "test",
      ...opts.credentials,
    },
    http: {
      env: opts.env ?? {},
      caFile: opts.caFile,
      retries: opts.retries ?? 3,
      backoffMs: 20,
      connectTimeoutMs: 2000,
      idleTimeoutMs: 10_000,
    },
    partSize: opts.partSize ?? 5 * MiB,
    multipartAbove: opts.multipartAbove ?? 5 * MiB,
    concurrency: 1,
  });
}

/** Writes `size` random bytes to `file` and returns their SHA-256 (hex). */
export function randomFile(file: string, size: number): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "w", 0o600);
  try {
    const buf = Buffer.alloc(MiB);
    for (let left = size; left > 0; left -= buf.length) {
      const piece = buf.subarray(0, Math.min(left, buf.length));
      randomFillSync(piece);
      hash.update(piece);
      fs.writeSync(fd, piece);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** SHA-256 (hex) of a file. */
export function fileSha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * Runs a tool with only PATH, HOME and `env`: no CA bundle, proxy or AWS variables of the machine reach
 * it, so it talks to the loopback server directly with the credentials the test gives.
 */
export async function runClean(
  argv: string[],
  env: Record<string, string> = {},
  input?: Uint8Array,
): Promise<ExecResult> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/nonexistent", ...env },
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).spawn();
  if (input) {
    const w = child.stdin.getWriter();
    await w.write(input);
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** rclone's environment for a remote named `T` on the test server (path-style, no config file). */
export function rcloneEnv(s3: TestS3, configDir: string): Record<string, string> {
  return {
    RCLONE_CONFIG: `${configDir}/rclone.conf`,
    RCLONE_CONFIG_T_TYPE: "s3",
    RCLONE_CONFIG_T_PROVIDER: "Other",
    RCLONE_CONFIG_T_ACCESS_KEY_ID: s3.accessKeyId,
    RCLONE_CONFIG_T_SECRET_ACCESS_KEY: s3.secretAccessKey,
    RCLONE_CONFIG_T_ENDPOINT: s3.endpoint,
    RCLONE_CONFIG_T_REGION: "us-east-1",
    RCLONE_CONFIG_T_FORCE_PATH_STYLE: "true",
  };
}

/** Runs rclone against the test server and demands success. */
export async function rclone(s3: TestS3, configDir: string, args: string[]): Promise<string> {
  const r = await runClean(["rclone", ...args], rcloneEnv(s3, configDir));
  if (r.code !== 0) throw new Error(`rclone ${args.join(" ")} exited ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The arguments of `backup --root TREE --encrypt-to R --upload URL` against the test server, with a fresh
 * age key (Debian's age-keygen; identity `DIR/id`) and a 0600 credentials file `DIR/s3.ini` made for it.
 */
export async function encryptedUploadArgs(
  s3: TestS3,
  dir: string,
  tree: string,
  url: string,
): Promise<string[]> {
  const identity = `${dir}/id`;
  const made = await runClean(["age-keygen", "-o", identity]);
  if (made.code !== 0) throw new Error(`age-keygen exited ${made.code}\n${made.stderr}`);
  const recipient = (await runClean(["age-keygen", "-y", identity])).stdout.trim();
  const creds = `${dir}/s3.ini`;
  fs.writeFileSync(
    creds,
    `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  return [
    "backup",
    "--root",
    tree,
    "--encrypt-to",
    recipient,
    "--upload",
    url,
    "--s3-endpoint",
    s3.endpoint,
    "--s3-credentials",
    creds,
  ];
}

/** Runs (and awaits) `fn`, which must fail with an {@link EtcdupError}, and returns that error. */
export async function etcdupError(fn: () => unknown): Promise<EtcdupError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof EtcdupError) return err;
    throw err;
  }
  throw new Error("expected an EtcdupError, but it succeeded");
}

/** What {@link withTreeAndS3} gives its body. */
export interface TreeAndS3 {
  c: LocalCluster;
  s3: TestS3;
  /** A fresh temp dir, removed afterwards. */
  work: string;
  /** `WORK/tree`, a --root tree whose member is `c`'s (backupTree). */
  tree: string;
  host: HostRoot;
}

/** Runs `body` beside a one-member loopback etcd and s3rver with `bucket`, on a fresh --root tree; all stopped after. */
export async function withTreeAndS3(
  bucket: string,
  prefix: string,
  body: (t: TreeAndS3) => Promise<void>,
): Promise<void> {
  const c = await startLocalCluster(1);
  const s3 = await startS3rver([bucket]);
  const work = await Deno.makeTempDir({ prefix });
  try {
    const tree = `${work}/tree`;
    fs.mkdirSync(tree);
    await body({ c, s3, work, tree, host: backupTree(c, tree).host });
  } finally {
    await s3.stop();
    await c.close();
    await Deno.remove(work, { recursive: true });
  }
}
