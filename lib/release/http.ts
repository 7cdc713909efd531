/**
 * Every download goes through here: undici with the proxy variables of the environment (HTTPS_PROXY,
 * HTTP_PROXY, NO_PROXY), connect/header/body timeouts, redirects followed, an optional extra CA (`--mirror-ca`)
 * added to the system roots (TLS is always verified), retries with backoff on 5xx and dropped connections,
 * and resume with `Range` after a mid-body disconnect, so a caller sees one uninterrupted byte stream.
 */
import * as tls from "node:tls";
import { EnvHttpProxyAgent, interceptors, request } from "undici";
import type { Dispatcher } from "undici";
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
}

/** A dispatcher for one command run; close it when done. */
export interface HttpClient {
  readonly options: HttpOptions;
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** A response body as a resumable stream, with its total size when the server said. */
export interface Download {
  /** Total size in bytes, when known. */
  size?: number;
  /** The bytes, once, in order, across retries and resumes. */
  chunks: AsyncGenerator<Uint8Array>;
}

const hintOffline =
  "Check the network and proxy (HTTPS_PROXY, NO_PROXY); on an air-gapped host use --tarball FILE or --bundle DIR.";

/** Builds the undici dispatcher: proxy from env, timeouts, extra CA, redirects. */
export function createHttpClient(options: HttpOptions): HttpClient {
  const ca = options.caFile ? [...tls.rootCertificates, readMirrorCa(options.caFile)] : undefined;
  const env = options.env;
  const timeout = options.connectTimeoutMs ?? 30_000;
  const idle = options.idleTimeoutMs ?? 60_000;
  const tlsOpts = { ...(ca ? { ca } : {}), rejectUnauthorized: true };
  const agent = new EnvHttpProxyAgent({
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? "",
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? "",
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
    connect: { timeout, ...tlsOpts },
    requestTls: tlsOpts,
    proxyTls: tlsOpts,
    connectTimeout: timeout,
    headersTimeout: idle,
    bodyTimeout: idle,
  } as EnvHttpProxyAgent.Options);
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 10 }));
  return { options, dispatcher, close: () => agent.close() };
}

/** Whether an error is a TLS certificate problem (not worth retrying; --mirror-ca may fix it). */
function isTlsError(err: unknown): boolean {
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

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { message?: string } };
  const inner = e?.cause?.message && e.cause.message !== e.message ? ` (${e.cause.message})` : "";
  return `${e?.code ? `${e.code}: ` : ""}${e?.message ?? String(err)}${inner}`;
}

function statusError(url: string, status: number): EtcdupError {
  const next = status === 404
    ? "Check --version and --arch (and --mirror's layout: {base}/{version}/etcd-{version}-linux-{arch}.tar.gz); on an air-gapped host use --tarball FILE."
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

const retryableStatus = (s: number) => s >= 500 || s === 429 || s === 408;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parses the start offset and total size of a `Content-Range: bytes A-B/T` header. */
function contentRange(h: string | string[] | undefined): { start: number; total?: number } | undefined {
  const m = String(h ?? "").match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
  return m ? { start: Number(m[1]), total: m[2] === "*" ? undefined : Number(m[2]) } : undefined;
}

/**
 * Starts a GET of `url`. Resolves once the first response headers are good (so a 404 fails before any
 * byte is consumed); the returned stream then retries and resumes on its own: after a dropped
 * connection it asks for `Range: bytes=N-` and continues where it stopped (a server that ignores Range
 * is read again and the bytes already delivered are skipped).
 */
export async function download(client: HttpClient, url: string): Promise<Download> {
  const retries = client.options.retries ?? 5;
  const backoff = client.options.backoffMs ?? 500;
  let failures = 0;

  const open = async (offset: number): Promise<Dispatcher.ResponseData> => {
    while (true) {
      let res: Dispatcher.ResponseData | undefined;
      let err: unknown;
      try {
        res = await request(url, {
          dispatcher: client.dispatcher,
          method: "GET",
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        });
      } catch (e) {
        err = e;
      }
      if (res && !retryableStatus(res.statusCode)) {
        if (res.statusCode === 200 || res.statusCode === 206) return res;
        await res.body.dump().catch(() => {});
        throw statusError(url, res.statusCode);
      }
      if (res) await res.body.dump().catch(() => {});
      if (err !== undefined && isTlsError(err)) throw networkError(url, describe(err), err);
      if (failures >= retries) {
        throw err !== undefined
          ? networkError(url, `${describe(err)} (after ${failures + 1} attempts)`, err)
          : statusError(url, res!.statusCode);
      }
      await sleep(Math.min(backoff * 2 ** failures, 10_000));
      failures++;
    }
  };

  const first = await open(0);
  const len = Number(first.headers["content-length"]);
  const size = Number.isFinite(len) && first.statusCode === 200
    ? len
    : contentRange(first.headers["content-range"])?.total;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let res: Dispatcher.ResponseData | undefined = first;
    let offset = 0;
    try {
      while (true) {
        if (!res) res = await open(offset);
        const range = contentRange(res.headers["content-range"]);
        let skip = res.statusCode === 206 ? offset - (range?.start ?? -1) : offset;
        if (res.statusCode === 206 && (range === undefined || range.start > offset)) {
          throw networkError(
            url,
            `the server answered a resume at byte ${offset} with '${res.headers["content-range"]}'`,
          );
        }
        try {
          for await (const buf of res.body) {
            let chunk = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
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
          res.body.destroy();
          res = undefined;
          if (failures >= retries) {
            throw networkError(
              url,
              `${describe(err)} at byte ${offset} (after ${failures + 1} attempts)`,
              err,
            );
          }
          await sleep(Math.min(backoff * 2 ** failures, 10_000));
          failures++;
        }
      }
    } finally {
      res?.body.destroy();
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
