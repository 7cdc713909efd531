/**
 * Every download goes through here: Deno's web `fetch` with the proxy variables of the environment
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), connect/header/body timeouts, redirects followed, an optional extra CA
 * (`--mirror-ca`) added to the system roots (TLS is always verified), retries with backoff on 5xx and dropped
 * connections, and resume with `Range` after a mid-body disconnect, so a caller sees one uninterrupted byte
 * stream. Not undici: over Deno's node:tls sockets undici's body read ahead and held 45-55 MiB more resident
 * memory for a 23 MiB tarball than `fetch` does (issue 17); undici stays for the etcd client API.
 */
import { EtcdupError, Exit } from "../errors.ts";
import { readMirrorCa } from "./mirror_ca.ts";

/** How downloads behave; tests shorten the timings. */
export interface HttpOptions {
  /** Environment holding the proxy variables (both cases are honoured). */
  env: Record<string, string | undefined>;
  /** Extra CA bundle (PEM file) trusted in addition to the system roots. */
  caFile?: string;
  /** Milliseconds to establish a connection. Default 30 s. */
  connectTimeoutMs?: number;
  /** Milliseconds of silence allowed while waiting for headers or body bytes. Default 60 s. */
  idleTimeoutMs?: number;
  /** Attempts after the first, on 5xx, 429 or a dropped connection. Default 5. */
  retries?: number;
  /** First backoff delay in ms, doubled each retry (capped at 10 s). Default 500. */
  backoffMs?: number;
  /** The flag that named `caFile`, for its error messages. Default `--mirror-ca`. */
  caFlag?: "--mirror-ca" | "--s3-ca";
}

/** The HTTP clients of one command run; close it when done. */
export interface HttpClient {
  readonly options: HttpOptions;
  /** The client for `url`'s route: direct or through the proxy the environment names for it. */
  clientFor(url: URL): Deno.HttpClient;
  close(): Promise<void>;
}

/** A response body as a resumable stream, with its total size when the server said. */
export interface Download {
  /** Total size in bytes, when known. */
  size?: number;
  /** The bytes, once, in order, across retries and resumes. */
  chunks: AsyncGenerator<Uint8Array>;
}

/** The advice for a host without the network, in install's and upgrade's hints; `download` replaces it. */
export const AIR_GAP_ADVICE = "on an air-gapped host use --tarball FILE or --bundle DIR";

const hintOffline = `Check the network and proxy (HTTPS_PROXY, NO_PROXY); ${AIR_GAP_ADVICE}.`;

/** The proxy URL the environment names for `url`, or undefined when it goes direct (NO_PROXY, none set). */
export function proxyFor(url: URL, env: Record<string, string | undefined>): string | undefined {
  const https = url.protocol === "https:";
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY;
  const proxy = (https ? env.https_proxy ?? env.HTTPS_PROXY : undefined) || httpProxy;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (https ? "443" : "80");
  for (const raw of (env.no_proxy ?? env.NO_PROXY ?? "").split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return undefined;
    // `[v6]:port`, a bare IPv6 address (two colons or more: no port), or `host[:port]`
    const m = entry.match(/^\[([^\]]*)\](?::(\d+))?$/) ?? entry.match(/^(.*:.*:.*)()$/) ??
      entry.match(/^([^:]*)(?::(\d+))?$/);
    if (!m || (m[2] && m[2] !== port)) continue;
    const name = m[1].replace(/^\*?\./, "");
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}

/** Deno's HTTP client for one route (direct or through one proxy), proxy credentials taken from its URL. */
function routeClient(proxy: string | undefined, caCerts: string[] | undefined): Deno.HttpClient {
  if (proxy === undefined) return Deno.createHttpClient({ caCerts });
  const u = new URL(proxy);
  const basicAuth = u.username
    ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
    : undefined;
  u.username = u.password = "";
  return Deno.createHttpClient({ caCerts, proxy: { url: u.href, basicAuth } });
}

/**
 * Builds the client of one command run: one Deno HTTP client per route (direct, or each proxy the
 * environment names), the extra CA trusted besides the system roots.
 */
export function createHttpClient(options: HttpOptions): HttpClient {
  const caCerts = options.caFile ? [readMirrorCa(options.caFile, options.caFlag)] : undefined;
  const routes = new Map<string, Deno.HttpClient>();
  return {
    options,
    clientFor(url: URL): Deno.HttpClient {
      const proxy = proxyFor(url, options.env);
      const key = proxy ?? "";
      let c = routes.get(key);
      if (!c) routes.set(key, c = routeClient(proxy, caCerts));
      return c;
    },
    close(): Promise<void> {
      for (const c of routes.values()) c.close();
      routes.clear();
      return Promise.resolve();
    },
  };
}

/** Whether an error is a TLS certificate problem (not worth retrying; --mirror-ca may fix it). */
export function isTlsError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: unknown };
  const text = `${e?.code ?? ""} ${e?.message ?? ""}`;
  if (/CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|certificate|UnknownIssuer|ALTNAME|handshake/i.test(text)) {
    return true;
  }
  return e?.cause !== undefined && e.cause !== err && isTlsError(e.cause);
}

/** A network error naming the URL and the next step. */
function networkError(url: string, what: string, cause?: unknown): EtcdupError {
  const tlsProblem = cause !== undefined && isTlsError(cause);
  return new EtcdupError({
    code: tlsProblem ? "tls-verify-failed" : "download-failed",
    message: `download of ${url} failed: ${what}`,
    hint: tlsProblem
      ? "The server's certificate is not trusted; for a mirror with its own CA pass --mirror-ca FILE (TLS is never skipped)."
      : hintOffline,
    exit: Exit.network,
    cause,
  });
}

/** A one-line description of a network error: its code, message and inner cause. */
export function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { message?: string } };
  const inner = e?.cause?.message && e.cause.message !== e.message ? ` (${e.cause.message})` : "";
  return `${e?.code ? `${e.code}: ` : ""}${e?.message ?? String(err)}${inner}`;
}

function statusError(url: string, status: number): EtcdupError {
  const next = status === 404
    ? `Check --version and --arch (and --mirror's layout: {base}/{version}/etcd-{version}-linux-{arch}.tar.gz); ${AIR_GAP_ADVICE}.`
    : status === 407
    ? "The proxy wants credentials: put them in HTTPS_PROXY (https://user:pass@proxy:port)."
    : hintOffline;
  return new EtcdupError({
    code: status === 404 ? "release-not-found" : "http-status",
    message: `download of ${url} failed: HTTP ${status}`,
    hint: next,
    exit: Exit.network,
  });
}

/** HTTP statuses worth another attempt: server errors, throttling, request timeout. */
export const retryableStatus = (s: number) => s >= 500 || s === 429 || s === 408;

/** Waits before retry number `failures` (0-based): `backoffMs` doubled each time, capped at 10 s. */
export function backoff(backoffMs: number, failures: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.min(backoffMs * 2 ** failures, 10_000)));
}

/** Parses the start offset and total size of a `Content-Range: bytes A-B/T` header. */
function contentRange(h: string | null): { start: number; total?: number } | undefined {
  const m = String(h ?? "").match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
  return m ? { start: Number(m[1]), total: m[2] === "*" ? undefined : Number(m[2]) } : undefined;
}

/** A response whose body is read under an idle timeout: `abort` cancels its request. */
interface Opened {
  res: Response;
  abort(reason: Error): void;
}

const redirectStatus = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 10;

/**
 * One GET of `url` from byte `offset`, redirects followed by hand (each hop takes its own route, as NO_PROXY
 * may differ per host), the headers awaited under the connect + idle timeouts. `identity` encoding: the
 * bytes must be the file's, never transparently gunzipped.
 */
async function get(client: HttpClient, url: string, offset: number): Promise<Opened> {
  const waitMs = (client.options.connectTimeoutMs ?? 30_000) + (client.options.idleTimeoutMs ?? 60_000);
  let target = new URL(url);
  for (let hops = 0;; hops++) {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`no response within ${waitMs} ms`)), waitMs);
    let res: Response;
    try {
      res = await fetch(target, {
        client: client.clientFor(target),
        redirect: "manual",
        signal: ac.signal,
        headers: { "accept-encoding": "identity", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
      });
    } finally {
      clearTimeout(timer);
    }
    const location = res.headers.get("location");
    if (!redirectStatus.has(res.status) || location === null) {
      return { res, abort: (reason) => ac.abort(reason) };
    }
    await res.body?.cancel();
    if (hops >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects`);
    target = new URL(location, target);
  }
}

/**
 * Starts a GET of `url`. Resolves once the first response headers are good (so a 404 fails before any
 * byte is consumed); the returned stream then retries and resumes on its own: after a dropped
 * connection it asks for `Range: bytes=N-` and continues where it stopped (a server that ignores Range
 * is read again and the bytes already delivered are skipped).
 */
export async function download(client: HttpClient, url: string): Promise<Download> {
  const retries = client.options.retries ?? 5;
  const backoffMs = client.options.backoffMs ?? 500;
  const idle = client.options.idleTimeoutMs ?? 60_000;
  let failures = 0;

  const open = async (offset: number): Promise<Opened> => {
    while (true) {
      let opened: Opened | undefined;
      let err: unknown;
      try {
        opened = await get(client, url, offset);
      } catch (e) {
        err = e;
      }
      const status = opened?.res.status ?? 0;
      if (opened && !retryableStatus(status)) {
        if (status === 200 || status === 206) return opened;
        await opened.res.body?.cancel().catch(() => {});
        throw statusError(url, status);
      }
      if (opened) await opened.res.body?.cancel().catch(() => {});
      if (err !== undefined && isTlsError(err)) throw networkError(url, describe(err), err);
      if (failures >= retries) {
        throw err !== undefined
          ? networkError(url, `${describe(err)} (after ${failures + 1} attempts)`, err)
          : statusError(url, status);
      }
      await backoff(backoffMs, failures);
      failures++;
    }
  };

  const first = await open(0);
  const len = Number(first.res.headers.get("content-length") ?? NaN);
  const size = Number.isFinite(len) && first.res.status === 200
    ? len
    : contentRange(first.res.headers.get("content-range"))?.total;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let opened: Opened | undefined = first;
    let offset = 0;
    try {
      while (true) {
        if (!opened) opened = await open(offset);
        const { res, abort } = opened;
        const range = contentRange(res.headers.get("content-range"));
        let skip = res.status === 206 ? offset - (range?.start ?? -1) : offset;
        if (res.status === 206 && (range === undefined || range.start > offset)) {
          throw networkError(
            url,
            `the server answered a resume at byte ${offset} with '${res.headers.get("content-range")}'`,
          );
        }
        try {
          const reader = res.body!.getReader();
          while (true) {
            const timer = setTimeout(() => abort(new Error(`no bytes for ${idle} ms`)), idle);
            let next: ReadableStreamReadResult<Uint8Array>;
            try {
              next = await reader.read();
            } finally {
              clearTimeout(timer);
            }
            if (next.done) break;
            let chunk = next.value;
            if (skip > 0) {
              const drop = Math.min(skip, chunk.length);
              skip -= drop;
              chunk = chunk.subarray(drop);
              if (chunk.length === 0) continue;
            }
            offset += chunk.length;
            failures = 0;
            yield chunk;
          }
          if (size !== undefined && offset < size) {
            throw new Error(`connection closed at byte ${offset} of ${size}`);
          }
          return;
        } catch (err) {
          if (err instanceof EtcdupError || isTlsError(err)) throw err;
          abort(new Error("resuming"));
          opened = undefined;
          if (failures >= retries) {
            throw networkError(
              url,
              `${describe(err)} at byte ${offset} (after ${failures + 1} attempts)`,
              err,
            );
          }
          await backoff(backoffMs, failures);
          failures++;
        }
      }
    } finally {
      opened?.abort(new Error("download closed"));
    }
  }
  return { size, chunks: chunks() };
}
/** Fetches a small text document (e.g. SHA256SUMS), at most `maxBytes`; a 404 resolves to undefined. */
export async function fetchText(
  client: HttpClient,
  url: string,
  maxBytes = 1024 * 1024,
): Promise<string | undefined> {
  let dl: Download;
  try {
    dl = await download(client, url);
  } catch (err) {
    if (err instanceof EtcdupError && err.code === "release-not-found") return undefined;
    throw err;
  }
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of dl.chunks) {
    n += c.length;
    if (n > maxBytes) {
      await dl.chunks.return(undefined);
      throw networkError(url, `more than ${maxBytes} bytes for a checksum file`);
    }
    parts.push(c);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}
