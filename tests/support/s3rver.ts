/**
 * A real S3-protocol server for tests: npm s3rver (the maintained @20minutes fork, which verifies SigV4
 * signatures and access keys) in its own process on a random loopback port, storing under a temp dir.
 * Its one account is access key `S3RVER`, secret `S3RVER`. Killing it is how a test takes the server down.
 */
import { within } from "./wait.ts";

/** A running s3rver. */
export interface TestS3 {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  port: number;
  /** Where it stores buckets (one directory per bucket, objects under it). */
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server (SIGTERM, then waits for the process). Safe to call twice. */
  stop(): Promise<void>;
}

const MAIN = new URL("./s3rver_main.ts", import.meta.url).pathname;

/**
 * Starts s3rver with the given buckets in a fresh temp dir (removed by `stop`); with `netns`, on 127.0.0.1
 * inside that network namespace (so a container booted there reaches it), under `ip netns exec`.
 */
export async function startS3rver(buckets: string[], opts: { netns?: string } = {}): Promise<TestS3> {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-s3rver-" });
  const argv = [Deno.execPath(), "run", "--allow-all", "--no-check", MAIN, dir, ...buckets];
  const full = opts.netns ? ["ip", "netns", "exec", opts.netns, ...argv] : argv;
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await reader.cancel().catch(() => {});
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    let text = "";
    const dec = new TextDecoder();
    const port = await within(
      (async () => {
        while (!text.includes("\n")) {
          const { value, done } = await reader.read();
          if (done) throw new Error("s3rver exited before listening");
          text += dec.decode(value);
        }
        return (JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number }).port;
      })(),
      60_000,
      "s3rver to listen",
    );
    return {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      dir,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
