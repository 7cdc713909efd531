/**
 * An HTTPS release mirror inside a network namespace, so a container booted in that namespace reaches it on
 * 127.0.0.1 while the host's own loopback stays out of the test. The server is tests/support/https_server.ts
 * (a fresh test CA, files served GitHub-style as `/{version}/{file}`), run as a child process under
 * `ip netns exec`; it prints its URL and CA as a first JSON line, then one JSON line per request.
 */
import * as path from "node:path";
import { serveFiles, startHttpsServer } from "../../support/https_server.ts";

/** A running mirror in a namespace. */
export interface NetnsMirror {
  /** Base URL, e.g. `https://127.0.0.1:40123`, for `--mirror`. */
  url: string;
  /** The mirror's CA certificate (PEM), for `--mirror-ca` (copy it into the container). */
  caPem: string;
  /** Request paths seen so far, in order. */
  requests: string[];
  /** Stops the server and waits for its process. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `files` (url path -> real path) over HTTPS on 127.0.0.1 inside network namespace `netns`.
 * @example
 * const m = await startMirror(host.netns, { [`/${fx.version}/${path.basename(fx.tarball)}`]: fx.tarball });
 * try { ... } finally { await m.close(); }
 */
export async function startMirror(netns: string, files: Record<string, string>): Promise<NetnsMirror> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", netns, Deno.execPath(), "run", "--allow-all", new URL(import.meta.url).pathname],
    env: { ETCDUP_MIRROR_FILES: JSON.stringify(files), DENO_NO_UPDATE_CHECK: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const requests: string[] = [];
  let closed: Promise<void> | undefined;
  let buffered = "";
  const nextLine = async (): Promise<string | undefined> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) return undefined;
      buffered += value;
    }
    const i = buffered.indexOf("\n");
    const line = buffered.slice(0, i);
    buffered = buffered.slice(i + 1);
    return line;
  };
  const first = await nextLine();
  if (!first) {
    await child.stdin.close();
    await child.status;
    throw new Error(`the mirror in netns ${netns} exited before it served`);
  }
  const { url, caPem } = JSON.parse(first) as { url: string; caPem: string };
  const reading = (async () => {
    for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
      requests.push((JSON.parse(line) as { request: string }).request);
    }
  })();
  return {
    url,
    caPem,
    requests,
    close: () => {
      closed ??= (async () => {
        await child.stdin.close().catch(() => {});
        await reading;
        await child.status;
      })();
      return closed;
    },
  };
}

/** The child: serve until standard input closes. */
async function serveUntilStdinCloses(): Promise<void> {
  const files = JSON.parse(Deno.env.get("ETCDUP_MIRROR_FILES") ?? "{}") as Record<string, string>;
  for (const p of Object.values(files)) await Deno.stat(path.resolve(p));
  const serve = serveFiles(files);
  const server = await startHttpsServer((req, res) => {
    console.log(JSON.stringify({ request: req.url }));
    serve(req, res);
  });
  console.log(JSON.stringify({ url: server.url, caPem: server.caPem }));
  for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
  await server.close();
}

if (import.meta.main) await serveUntilStdinCloses();
