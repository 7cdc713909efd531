/**
 * One HTTP/1.1 request whose body streams from a range of an open file with an explicit `Content-Length`,
 * through `node:http` / `node:https`. Deno's web `fetch` sends a stream body chunked (S3 refuses that), so
 * with `fetch` an upload body had to be a buffer, copied again below it: about five times a part's size in
 * memory (issue 17). Here 1 MiB is read into one reused buffer and written when the socket took the
 * previous one, so memory is flat whatever the size.
 *
 * The route is the one `fetch` takes (lib/release/http.ts {@link proxyFor}): direct, or through the proxy
 * the environment names (https in a CONNECT tunnel, http in absolute form, as Deno's client does); an extra CA
 * (`--s3-ca`) is trusted besides the runtime's roots ({@link trustedRoots}); TLS is always verified.
 * Connect and idle timeouts bound every phase; redirects are never followed (a 3xx is just an answer).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type * as net from "node:net";
import * as tls from "node:tls";
import { proxyFor } from "./http.ts";

/** The bytes of a request body: `length` bytes of `fd` from `start`. */
export interface FileRange {
  fd: number;
  start: number;
  length: number;
}

/** How one request is sent. */
export interface StreamedRequest {
  method: string;
  url: URL;
  /** Sent as given (already signed); `content-length` is set from the body. */
  headers: Record<string, string>;
  body: FileRange;
  /** Proxy environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, either case). */
  env: Record<string, string | undefined>;
  /** PEM of extra CA certificates, trusted besides the runtime's roots ({@link trustedRoots}). */
  extraCa?: string;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /**
   * Sees every chunk before it is written; it may throw to stop the request unsent. `last` marks the final
   * chunk, so a caller checking a digest can refuse before the body is complete and nothing is stored.
   */
  onChunk?: (chunk: Uint8Array, last: boolean) => void;
}

/** The answer: status, headers (lower-case names, repeated ones joined) and the body as text. */
export interface StreamedResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

const CHUNK = 1024 * 1024;

/** Sends the request and reads the answer; rejects on any network, TLS or timeout error, or `onChunk`'s. */
export async function streamedRequest(r: StreamedRequest): Promise<StreamedResponse> {
  const https_ = r.url.protocol === "https:";
  const port = Number(r.url.port || (https_ ? 443 : 80));
  const host = r.url.hostname.replace(/^\[|\]$/g, "");
  const ca = r.extraCa ? trustedRoots(r.extraCa, Deno.env.toObject()) : undefined;
  const headers: Record<string, string> = { ...r.headers, "content-length": String(r.body.length) };
  const proxyUrl = proxyFor(r.url, r.env);
  const proxy = proxyUrl === undefined ? undefined : new URL(proxyUrl);
  let socket: net.Socket | undefined;
  // https: a CONNECT tunnel, TLS inside it; http: the request in absolute form to the proxy, as fetch does.
  let via = { tls: https_, host, port, path: r.url.pathname + r.url.search };
  if (proxy !== undefined && https_) {
    socket = await tunnel(proxy, `${r.url.hostname}:${port}`, r);
    socket = tls.connect({ socket, servername: isIp(host) ? undefined : host, ca });
  } else if (proxy !== undefined) {
    via = { ...proxyRoute(proxy), path: r.url.href };
    Object.assign(headers, { host: r.url.host }, proxyAuth(proxy));
  }
  const options: https.RequestOptions = {
    method: r.method,
    host: via.host,
    port: via.port,
    path: via.path,
    headers,
    agent: false,
    ca,
    ...(socket ? { createConnection: () => socket } : {}),
  };
  return await new Promise<StreamedResponse>((resolve, reject) => {
    let answered = false;
    const req = (via.tls ? https : http).request(options, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(parts).toString("utf8") });
      });
    });
    const fail = (err: Error) => {
      req.destroy(err);
      reject(err);
    };
    req.on("error", reject);
    req.on("timeout", () => fail(new Error(`no progress for ${r.idleTimeoutMs} ms`)));
    // The connect timeout until the socket is connected, then the idle timeout (TLS handshake included).
    req.once("socket", (s: net.Socket) => {
      if (!s.connecting) return void req.setTimeout(r.idleTimeoutMs);
      req.setTimeout(r.connectTimeoutMs);
      s.once("connect", () => req.setTimeout(r.idleTimeoutMs));
    });
    // A server may answer (a 403, a 400) before the body is in and close: its answer counts, not the write.
    writeBody(req, r).then(() => req.end(), (err) => answered ? undefined : fail(err));
  });
}

/** Writes the file range 1 MiB at a time into one reused buffer, each write awaited before the next read. */
async function writeBody(req: http.ClientRequest, r: StreamedRequest): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(r.body.length, 1)));
  let at = 0;
  while (at < r.body.length) {
    const want = Math.min(buf.length, r.body.length - at);
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(r.body.fd, buf, 0, want, r.body.start + at, (err, read) => err ? reject(err) : resolve(read))
    );
    if (n === 0) throw new Error(`the file ended at byte ${r.body.start + at}, ${r.body.length - at} short`);
    const chunk = buf.subarray(0, n);
    at += n;
    r.onChunk?.(chunk, at === r.body.length);
    await new Promise<void>((resolve, reject) => {
      if (req.destroyed) return reject(new Error("the connection closed while the body was sent"));
      req.write(chunk, (err) => err ? reject(err) : resolve());
    });
  }
}

/**
 * The roots Deno's own clients trust, plus `extraPem`: a `ca` given to `node:tls` replaces its roots (as in
 * Node), while `fetch`'s extra CA adds to them, so both trust the same: the stores `DENO_TLS_CA_STORE` names
 * (`mozilla`, the default: `tls.rootCertificates`; `system`) and the file `DENO_CERT` names.
 */
export function trustedRoots(extraPem: string, env: Record<string, string | undefined>): string[] {
  const stores = (env.DENO_TLS_CA_STORE || "mozilla").split(",").map((x) => x.trim());
  const roots = [
    ...(stores.includes("mozilla") ? tls.rootCertificates : []),
    ...(stores.includes("system") ? tls.getCACertificates("system") : []),
  ];
  if (env.DENO_CERT) roots.push(fs.readFileSync(env.DENO_CERT, "utf8"));
  return [...roots, extraPem];
}

/** Where a proxy listens: scheme, host (bare, for IPv6 too) and port. */
function proxyRoute(proxy: URL): { tls: boolean; host: string; port: number } {
  const secure = proxy.protocol === "https:";
  return {
    tls: secure,
    host: proxy.hostname.replace(/^\[|\]$/g, ""),
    port: Number(proxy.port || (secure ? 443 : 80)),
  };
}

/** The proxy's credentials from its URL, as a Proxy-Authorization header (none without a user). */
function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { "proxy-authorization": `Basic ${Buffer.from(user).toString("base64")}` };
}

/** A CONNECT tunnel through `proxy` to `target` (`host:port`), under the connect and idle timeouts. */
function tunnel(proxy: URL, target: string, r: StreamedRequest): Promise<net.Socket> {
  const route = proxyRoute(proxy);
  return new Promise((resolve, reject) => {
    const req = (route.tls ? https : http).request({
      host: route.host,
      port: route.port,
      method: "CONNECT",
      path: target,
      headers: { host: target, ...proxyAuth(proxy) },
      agent: false,
      timeout: r.connectTimeoutMs + r.idleTimeoutMs,
    });
    req.on("connect", (res: http.IncomingMessage, socket: net.Socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new Error(`the proxy answered CONNECT with HTTP ${res.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error(`the proxy did not answer CONNECT in time`)));
    req.on("error", reject);
    req.end();
  });
}

/** Whether `host` is an IP literal (no SNI for those). */
function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}
