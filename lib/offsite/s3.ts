/**
 * A small S3 client for snapshots: PutObject, uploads of files streamed from disk (one PutObject, multipart
 * above 4 GiB), HEAD, ListObjectsV2, GetObject streamed to a file, DeleteObject(s). A file's bytes go
 * through `node:http` with a real Content-Length (lib/release/streamed_request.ts: Deno's `fetch` would send
 * them chunked, which S3 refuses, or need them in memory); every other request goes through the same Deno
 * `fetch` clients as downloads, whose streamed answers are the measured path (issue 17). Both take the
 * proxies of the environment, trust `--s3-ca` besides the runtime's roots (TLS always verified), run under
 * connect/idle timeouts and never follow redirects. Each request is signed with SigV4 ({@link signRequest})
 * over a SHA-256 of its payload, so a server that checks payload hashes (AWS does) rejects a corrupted body.
 * Each request is retried on its own on 5xx, 429, timeouts and dropped connections, so a failed part is
 * sent again, not the whole upload.
 *
 * Nothing secret reaches a message: errors carry the S3 error code and message, never a header, and every
 * text passes through the credentials' redactor.
 */
import * as fs from "node:fs";
import { createHash, type Hash } from "node:crypto";
import { type ErrorCode, EtcdupError, Exit, type ExitOf } from "../errors.ts";
import {
  backoff,
  createHttpClient,
  describe,
  type HttpClient,
  type HttpOptions,
  isTlsError,
  retryableStatus,
} from "../release/http.ts";
import { type FileRange, streamedRequest } from "../release/streamed_request.ts";
import { readMirrorCa } from "../release/mirror_ca.ts";
import { redactor, type S3Credentials } from "./credentials.ts";
import { displayUrl, objectUrl, type S3Location } from "./location.ts";
import { signRequest } from "./sign.ts";
import {
  completeBody,
  deleteBody,
  type ListedObject,
  parseCompleteEtag,
  parseDeleteErrors,
  parseError,
  parseListPage,
  parseUploadId,
} from "./xml.ts";

/** How the client behaves; tests shorten timings and parts. */
export interface S3ClientOptions {
  location: S3Location;
  credentials: S3Credentials;
  /** Proxy environment, `--s3-ca` file, timeouts, retries, backoff (see {@link HttpOptions}). */
  http: Omit<HttpOptions, "caFlag">;
  /** Files larger than this many bytes go multipart. Default {@link DEFAULT_MULTIPART_ABOVE}. */
  multipartAbove?: number;
  /** Multipart part size in bytes (at least 5 MiB, S3's minimum). Default {@link DEFAULT_PART_SIZE}. */
  partSize?: number;
  /** Parts in flight at once. Default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
}

/** What a finished upload is known to be. */
export interface UploadResult {
  key: string;
  /** `s3://BUCKET/KEY`. */
  url: string;
  size: number;
  /** SHA-256 (hex) of the bytes sent, also stored as the object's `etcdup-sha256` metadata. */
  sha256: string;
  etag: string;
  /** Parts sent (1 for a single PutObject). */
  parts: number;
  /**
   * How the stored object was checked: `md5` when the server's ETag matched the MD5 of what was sent (the
   * whole-object MD5, or for multipart the MD5 of the parts' MD5s), `size` when the ETag is not an MD5
   * (e.g. SSE-KMS on AWS) and only the size could be compared.
   */
  verified: "md5" | "size";
}

/** HEAD of an object. */
export interface ObjectInfo {
  size: number;
  etag: string;
  /** The `etcdup-sha256` metadata, when etcdup wrote the object. */
  sha256?: string;
}

/** What a download wrote. */
export interface DownloadResult {
  size: number;
  sha256: string;
}

const MiB = 1024 * 1024;
/**
 * One streamed PutObject up to 4 GiB, multipart above (S3's PutObject limit is 5 GiB). Streaming made the
 * size cost no memory, so the shape is chosen on time and retries: one request is the fastest everywhere
 * (no create and complete round trips; s3rver, like some small servers, joins parts in a second pass) and is
 * checked by the whole object's MD5, while a dropped connection resends the whole object. etcd's backend
 * quota is 2 GiB by default and 8 GiB at most suggested, so nearly every snapshot is one request; above
 * 4 GiB a resend would cost too much, and parts are retried alone.
 */
const DEFAULT_MULTIPART_ABOVE = 4 * 1024 * MiB;
/**
 * 64 MiB parts: a part's range is read twice (hashed, then sent), so it should fit the page cache of a small
 * VM; 65-128 parts for a 4-8 GiB snapshot keep the requests few. More than 10,000 parts grow it.
 */
const DEFAULT_PART_SIZE = 64 * MiB;
/** Two parts in flight: one is hashed while another is sent; each costs a 1 MiB buffer and a connection. */
const DEFAULT_CONCURRENCY = 2;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const META_SHA256 = "x-amz-meta-etcdup-sha256";
/** S3 allows at most 10,000 parts per upload. */
const MAX_PARTS = 10_000;

/** One request, before signing. */
interface Req {
  method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD";
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** A body streamed from a file (see {@link streamedRequest}) instead of `body`. */
  file?: FileRange;
  /** The SHA-256 (hex) of `file`'s bytes, which the request is signed over. */
  payloadSha256?: string;
  /** Called before each attempt (a streamed body's hashes start again). */
  onAttempt?: () => void;
  /** Sees each chunk of a streamed body; may throw (an {@link EtcdupError} is not retried). */
  onChunk?: (chunk: Uint8Array, last: boolean) => void;
  /** Words for messages: "upload of part 3", "listing". */
  what: string;
  /** Statuses that count as success. Default [200]. */
  ok?: number[];
  /** Leave the body unread on success (GetObject). */
  stream?: boolean;
  /** A 200 whose body this rejects is retried (CompleteMultipartUpload can answer 200 with an `<Error>`). */
  accept?: (text: string) => boolean;
}

/** A file being uploaded: the object's key, the file's path (for messages), its open fd and size. */
interface FileUpload {
  key: string;
  file: string;
  fd: number;
  size: number;
  /** The digest the caller recorded, if any. */
  expectedSha256?: string;
}

/** A response whose body was read (or is left to stream, when the request asked). */
interface Res {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
  /** The unread body of a streamed answer. */
  body?: ReadableStream<Uint8Array> | null;
  /** Cancels the request (an idle body). */
  abort(reason: Error): void;
}

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest();
const header = (h: Res["headers"], name: string) => h[name];

/** An S3 client bound to one bucket and prefix; close it when done. */
export class S3Client {
  readonly location: S3Location;
  readonly multipartAbove: number;
  readonly partSize: number;
  readonly concurrency: number;
  private readonly creds: S3Credentials;
  private readonly http: HttpClient;
  private readonly extraCa?: string;
  private readonly redact: (s: string) => string;
  private readonly retries: number;
  private readonly backoffMs: number;
  private closing?: Promise<void>;
  private readonly connectMs: number;
  private readonly idleMs: number;

  constructor(options: S3ClientOptions) {
    this.location = options.location;
    this.creds = options.credentials;
    this.redact = redactor(options.credentials);
    this.partSize = Math.max(options.partSize ?? DEFAULT_PART_SIZE, 5 * MiB);
    this.multipartAbove = Math.min(options.multipartAbove ?? DEFAULT_MULTIPART_ABOVE, 5 * 1024 * MiB);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.retries = options.http.retries ?? 5;
    this.backoffMs = options.http.backoffMs ?? 500;
    this.connectMs = options.http.connectTimeoutMs ?? 30_000;
    this.idleMs = options.http.idleTimeoutMs ?? 60_000;
    this.http = createHttpClient({ ...options.http, caFlag: "--s3-ca" });
    this.extraCa = options.http.caFile ? readMirrorCa(options.http.caFile, "--s3-ca") : undefined;
  }

  /** Closes the connections; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.http.close();
    return this.closing;
  }

  /** `s3://BUCKET/KEY`. */
  url(key: string): string {
    return displayUrl(this.location, key);
  }

  /** An error naming the object and what failed, never a header, scrubbed of secrets. */
  private fail<C extends ErrorCode>(
    req: Req,
    code: C,
    what: string,
    hint: string,
    exit?: ExitOf<C>,
    cause?: unknown,
  ) {
    return new EtcdupError({
      code,
      message: this.redact(`S3 ${req.what} of ${this.url(req.key)} failed: ${what}`),
      hint,
      exit,
      cause,
    });
  }

  /** Maps a final non-success answer to an error naming the fix. */
  private statusError(req: Req, res: Res): EtcdupError {
    const s3 = parseError(res.text);
    const detail = `HTTP ${res.status}${s3?.code ? ` ${s3.code}` : ""}${
      s3?.message ? `: ${s3.message}` : ""
    }`;
    const code = s3?.code ?? "";
    if (res.status === 403 || /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/.test(code)) {
      return this.fail(
        req,
        "s3-access-denied",
        detail,
        `Check the credentials (${this.creds.source}) and that they may read and write the bucket; a clock far off also breaks signatures.`,
      );
    }
    if (
      res.status === 301 || res.status === 307 || code === "PermanentRedirect" ||
      code === "AuthorizationHeaderMalformed"
    ) {
      return this.fail(
        req,
        "s3-wrong-region",
        detail,
        "Give the bucket's region with --s3-region (or its endpoint with --s3-endpoint).",
      );
    }
    if (code === "NoSuchBucket") {
      return this.fail(
        req,
        "s3-bucket-not-found",
        detail,
        "Create the bucket first, or fix the bucket in the s3:// URL.",
      );
    }
    if (res.status === 404) {
      return this.fail(
        req,
        "s3-object-not-found",
        detail,
        "List what is there with 'etcdup backup list --remote'.",
      );
    }
    if (retryableStatus(res.status)) {
      return this.fail(
        req,
        "s3-server-error",
        `${detail} (after ${this.retries + 1} attempts)`,
        "The storage service is failing; try again later.",
      );
    }
    return this.fail(
      req,
      "s3-request-failed",
      detail,
      "Check --s3-endpoint, --s3-region and --s3-path-style for this service.",
    );
  }

  /**
   * Sends a request, retrying on retryable statuses, a rejected 200 body and network errors, with backoff.
   * Returns the successful response; throws an {@link EtcdupError} (exit 5) otherwise.
   */
  private async send(req: Req): Promise<Res> {
    const url = objectUrl(this.location, req.key, req.query);
    const payloadHash = req.payloadSha256 ??
      (req.body ? createHash("sha256").update(req.body).digest("hex") : EMPTY_SHA256);
    const ok = req.ok ?? [200];
    for (let failures = 0;; failures++) {
      let res: Res | undefined;
      let err: unknown;
      try {
        req.onAttempt?.();
        // Signed per attempt: the signature carries the time.
        const headers = await signRequest({
          method: req.method,
          url,
          headers: { "accept-encoding": "identity", ...req.headers },
          payloadHash,
          credentials: this.creds,
          region: this.location.region,
        });
        res = req.file ? await this.sendStreamed(req, url, headers) : await this.fetch(req, url, headers, ok);
      } catch (e) {
        if (e instanceof EtcdupError) throw e;
        err = e;
      }
      if (res && ok.includes(res.status) && (!req.accept || req.accept(res.text))) return res;
      if (res && !retryableStatus(res.status) && ok.includes(res.status) === false) {
        throw this.statusError(req, res);
      }
      if (err !== undefined && isTlsError(err)) {
        throw this.fail(
          req,
          "s3-tls-verify-failed",
          describe(err),
          "The endpoint's certificate is not trusted; for a private CA pass --s3-ca FILE (TLS is never skipped).",
          Exit.network,
          err,
        );
      }
      if (failures >= this.retries) {
        if (res) {
          throw res.status === 200
            ? this.fail(
              req,
              "s3-server-error",
              `the server answered 200 with an error: ${res.text.slice(0, 200)}`,
              "Try again later.",
            )
            : this.statusError(req, res);
        }
        throw this.fail(
          req,
          "s3-unreachable",
          `${describe(err)} (after ${failures + 1} attempts)`,
          "Check --s3-endpoint, the network and the proxy variables (HTTPS_PROXY, NO_PROXY).",
          Exit.network,
          err,
        );
      }
      await backoff(this.backoffMs, failures);
    }
  }

  /** One attempt through Deno's `fetch` (bodies in memory, and streamed answers). */
  private async fetch(req: Req, url: URL, headers: Record<string, string>, ok: number[]): Promise<Res> {
    const ac = new AbortController();
    const waitMs = this.connectMs + this.idleMs;
    const timer = setTimeout(() => ac.abort(new Error(`no response within ${waitMs} ms`)), waitMs);
    let raw: Response;
    try {
      raw = await fetch(url, {
        client: this.http.clientFor(url),
        method: req.method,
        redirect: "manual",
        signal: ac.signal,
        headers,
        body: req.body as BodyInit | undefined,
      });
    } finally {
      clearTimeout(timer);
    }
    const streamIt = req.stream && ok.includes(raw.status);
    const text = streamIt ? "" : await raw.text();
    return {
      status: raw.status,
      headers: Object.fromEntries(raw.headers.entries()),
      text,
      body: streamIt ? raw.body : undefined,
      abort: (reason) => ac.abort(reason),
    };
  }

  /** One attempt with the body streamed from a file (node:http, a real Content-Length). */
  private async sendStreamed(req: Req, url: URL, headers: Record<string, string>): Promise<Res> {
    const r = await streamedRequest({
      method: req.method,
      url,
      headers,
      body: req.file!,
      env: this.http.options.env,
      extraCa: this.extraCa,
      connectTimeoutMs: this.connectMs,
      idleTimeoutMs: this.idleMs,
      onChunk: req.onChunk,
    });
    return { ...r, abort: () => {} };
  }

  /** Stores small bytes as one object. */
  async putObject(key: string, body: Uint8Array, knownSha256?: string): Promise<UploadResult> {
    const sha256 = knownSha256 ?? createHash("sha256").update(body).digest("hex");
    const bodyMd5 = md5(body);
    const res = await this.send({
      method: "PUT",
      key,
      body,
      what: "upload",
      headers: { "content-md5": bodyMd5.toString("base64"), [META_SHA256]: sha256 },
    });
    const result = {
      key,
      url: this.url(key),
      size: body.length,
      sha256,
      etag: unquote(header(res.headers, "etag") ?? ""),
      parts: 1,
      verified: "md5" as const,
    };
    const hex = bodyMd5.toString("hex");
    return await this.verify(result, hex, hex);
  }

  /**
   * Uploads a file, its body streamed from the file (see {@link streamedRequest}: memory stays flat
   * whatever the size): up to {@link S3ClientOptions.multipartAbove} one PutObject, above it a multipart
   * upload. Each request is signed over the SHA-256 of its payload, so the digest is needed first:
   * `expectedSha256` (the digest the caller recorded) for a PutObject, else the file is hashed once before.
   * With `expectedSha256` the object carries it as `etcdup-sha256` metadata, and bytes that differ are
   * never stored: a PutObject hashes what it sends and stops before the last chunk on a mismatch, a
   * multipart upload is never completed. The stored object is checked afterwards (see
   * {@link UploadResult.verified}) against the MD5 of what was sent.
   */
  async uploadFile(key: string, file: string, expectedSha256?: string): Promise<UploadResult> {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const up = { key, file, fd, size, expectedSha256 };
      return size > this.multipartAbove ? await this.putMultipart(up) : await this.putFile(up);
    } catch (err) {
      throw err instanceof EtcdupError ? err : this.fail(
        { method: "PUT", key, what: "upload" },
        "s3-upload-failed",
        `reading ${file}: ${(err as Error).message}`,
        "Check the file and try again.",
        Exit.failure,
        err,
      );
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * One streamed PutObject of the whole file. The bytes are hashed (SHA-256 and MD5) as they go; the last
   * chunk is held back unless the SHA-256 is the signed one, so a file that changed is never stored whole.
   */
  private async putFile({ key, file, fd, size, expectedSha256 }: FileUpload): Promise<UploadResult> {
    const sha256 = expectedSha256 ?? (await hashRange(fd, 0, size)).sha256;
    if (size === 0) this.checkDigest(key, file, EMPTY_SHA256, sha256);
    let sent = { sha: createHash("sha256"), md5: createHash("md5") };
    let md5Hex = "";
    const res = await this.send({
      method: "PUT",
      key,
      file: { fd, start: 0, length: size },
      payloadSha256: sha256,
      what: "upload",
      headers: { [META_SHA256]: sha256 },
      onAttempt: () => void (sent = { sha: createHash("sha256"), md5: createHash("md5") }),
      onChunk: (chunk, last) => {
        sent.sha.update(chunk);
        sent.md5.update(chunk);
        if (!last) return;
        this.checkDigest(key, file, sent.sha.digest("hex"), sha256);
        md5Hex = sent.md5.digest("hex");
      },
    });
    if (size === 0) md5Hex = createHash("md5").digest("hex");
    const result = {
      key,
      url: this.url(key),
      size,
      sha256,
      etag: unquote(header(res.headers, "etag") ?? ""),
      parts: 1,
      verified: "md5" as const,
    };
    return await this.verify(result, md5Hex);
  }

  /**
   * A multipart upload of the file: each part's range is hashed first (its SHA-256 signs it, its MD5 is
   * `Content-MD5`; the whole file's digests grow on the way), then streamed from the file; a part sent
   * while the next is hashed, `concurrency` in flight. A failed part is retried on its own; when the upload
   * fails for good it is aborted so no orphan parts stay stored; a whole-file SHA-256 other than
   * `expectedSha256` is never completed.
   */
  private async putMultipart({ key, file, fd, size, expectedSha256 }: FileUpload): Promise<UploadResult> {
    const partSize = Math.max(this.partSize, Math.ceil(size / MAX_PARTS / MiB) * MiB);
    const whole = createHash("sha256");
    const wholeMd5 = createHash("md5");
    const partMd5s: Buffer[] = [];
    const parts: { number: number; etag: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    const uploadId = await this.startMultipart(key, expectedSha256);
    try {
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const length = Math.min(partSize, size - start);
        const digest = await hashRange(fd, start, length, [whole, wholeMd5]);
        partMd5s.push(digest.md5);
        while (inFlight.size >= this.concurrency) await Promise.race(inFlight);
        if (failure) throw failure.err;
        const sent: Promise<void> = this.send({
          method: "PUT",
          key,
          query: { partNumber: String(n), uploadId },
          file: { fd, start, length },
          payloadSha256: digest.sha256,
          what: `upload of part ${n}`,
          headers: { "content-md5": digest.md5.toString("base64") },
        }).then(
          (res) =>
            void (parts[n - 1] = {
              number: n,
              etag: header(res.headers, "etag") ?? `"${digest.md5.toString("hex")}"`,
            }),
          (err) => void (failure ??= { err }),
        ).finally(() => inFlight.delete(sent));
        inFlight.add(sent);
      }
      await Promise.all(inFlight);
      if (failure) throw failure.err;
      const sha256 = whole.digest("hex");
      this.checkDigest(key, file, sha256, expectedSha256);
      const done = await this.send({
        method: "POST",
        key,
        query: { uploadId },
        body: new TextEncoder().encode(completeBody(parts)),
        headers: { "content-type": "application/xml" },
        what: "multipart upload completion",
        accept: (t) => parseCompleteEtag(t) !== undefined,
      });
      const composite = `${md5(Buffer.concat(partMd5s)).toString("hex")}-${parts.length}`;
      return await this.verify(
        {
          key,
          url: this.url(key),
          size,
          sha256,
          etag: unquote(parseCompleteEtag(done.text)!),
          parts: parts.length,
          verified: "md5",
        },
        composite,
        wholeMd5.digest("hex"),
      );
    } catch (err) {
      await Promise.all(inFlight);
      await this.send({
        method: "DELETE",
        key,
        query: { uploadId },
        what: "abort of the multipart upload",
        ok: [204, 200, 404],
      }).catch(() => {});
      throw err;
    }
  }

  /** CreateMultipartUpload; returns the upload id. */
  private async startMultipart(key: string, sha256?: string): Promise<string> {
    const create = await this.send({
      method: "POST",
      key,
      query: { uploads: "" },
      what: "multipart upload start",
      headers: sha256 ? { [META_SHA256]: sha256 } : {},
      accept: (t) => parseUploadId(t) !== undefined,
    });
    return parseUploadId(create.text)!;
  }

  /** Refuses (exit 3) bytes that differ from the digest the caller recorded. */
  private checkDigest(key: string, source: string, got: string, expected?: string): void {
    if (expected && got !== expected) {
      throw new EtcdupError({
        code: "upload-digest-mismatch",
        message: `${source} changed while it was uploaded to ${
          this.url(key)
        }: SHA-256 ${got}, recorded ${expected}`,
        hint: "Nothing may write to a snapshot once it is taken; take a new backup.",
        exit: Exit.verification,
      });
    }
  }

  /** HEADs the stored object and compares its size and ETag with what was sent (exit 3 on a mismatch). */
  private async verify(result: UploadResult, ...md5s: string[]): Promise<UploadResult> {
    const info = await this.head(result.key);
    const mismatch = (what: string) =>
      new EtcdupError({
        code: "upload-verify-failed",
        message: `${result.url} does not hold what was uploaded: ${what}`,
        hint: "The storage service stored something else; check it and run the backup again.",
        exit: Exit.verification,
      });
    if (!info) throw mismatch("the object is missing after the upload");
    if (info.size !== result.size) throw mismatch(`size ${info.size}, sent ${result.size}`);
    if (!/^[0-9a-f]{32}(-\d+)?$/.test(info.etag)) return { ...result, etag: info.etag, verified: "size" };
    if (!md5s.includes(info.etag)) throw mismatch(`ETag ${info.etag}, expected ${md5s.join(" or ")}`);
    return { ...result, etag: info.etag, verified: "md5" };
  }

  /** A small object's bytes (a record), at most `maxBytes`; undefined when it does not exist. */
  async getBytes(key: string, maxBytes = 1024 * 1024): Promise<Uint8Array | undefined> {
    const res = await this.send({ method: "GET", key, what: "download", stream: true, ok: [200, 404] });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      return undefined;
    }
    const parts: Uint8Array[] = [];
    let n = 0;
    for await (const chunk of res.body!) {
      n += chunk.length;
      if (n > maxBytes) {
        await res.body?.cancel().catch(() => {});
        throw this.fail(
          { method: "GET", key, what: "download" },
          "s3-request-failed",
          `more than ${maxBytes} bytes for a record`,
          "This is not etcdup's record; check the object.",
        );
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts);
  }

  /**
   * The first `bytes` bytes of an object and its whole size, by a Range GET (restore's dry run reads an age
   * header so, without downloading the snapshot). A missing object fails as a download of it does
   * (`s3-object-not-found`).
   */
  async getStart(key: string, bytes: number): Promise<{ start: Uint8Array; size: number }> {
    const res = await this.send({
      method: "GET",
      key,
      headers: { range: `bytes=0-${bytes - 1}` },
      what: "download",
      stream: true,
      ok: [200, 206],
    });
    const total = /\/(\d+)$/.exec(header(res.headers, "content-range") ?? "")?.[1];
    const size = Number(total ?? header(res.headers, "content-length"));
    const parts: Uint8Array[] = [];
    let n = 0;
    const reader = res.body!.getReader();
    try {
      while (n < bytes) {
        const { value, done } = await reader.read();
        if (done) break;
        parts.push(value);
        n += value.length;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    return { start: Buffer.concat(parts).subarray(0, bytes), size };
  }

  /** The size, ETag and recorded digest of an object, or undefined when it does not exist. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const res = await this.send({ method: "HEAD", key, what: "lookup", ok: [200, 404] });
    if (res.status === 404) return undefined;
    return {
      size: Number(header(res.headers, "content-length")),
      etag: unquote(header(res.headers, "etag") ?? ""),
      sha256: header(res.headers, META_SHA256),
    };
  }

  /** Every object under `prefix` (relative to the bucket), following ListObjectsV2 pages. */
  async *list(prefix: string, pageSize = 1000): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
      const query: Record<string, string> = { "list-type": "2", prefix, "max-keys": String(pageSize) };
      if (token) query["continuation-token"] = token;
      const res = await this.send({
        method: "GET",
        key: "",
        query,
        what: "listing",
        accept: (t) => parseListPage(t) !== undefined,
      });
      const page = parseListPage(res.text)!;
      for (const o of page.objects) yield { ...o, etag: unquote(o.etag) };
      if (page.nextToken !== undefined && page.nextToken === token) {
        throw this.fail(
          { method: "GET", key: prefix, what: "listing" },
          "s3-request-failed",
          "the server returned the same continuation token twice",
          "The storage service's listing is broken; report it to its operator.",
        );
      }
      token = page.nextToken;
    } while (token);
  }

  /**
   * Downloads an object into `dst` (created new, mode 0600), streamed, with its SHA-256 computed on the way.
   * A dropped connection resumes with `Range` (pinned to the object's ETag with `If-Match`, so a changed
   * object is never spliced). When `expectedSha256` is given, or the object carries etcdup's digest, a
   * mismatch removes `dst` and fails with exit 3: a tampered or damaged object is never handed on.
   */
  async getToFile(key: string, dst: string, expectedSha256?: string): Promise<DownloadResult> {
    const fd = fs.openSync(dst, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    let complete = false;
    try {
      const hash = createHash("sha256");
      let offset = 0;
      let etag: string | undefined;
      let size: number | undefined;
      let recorded: string | undefined;
      for (let failures = 0;; failures++) {
        const headers: Record<string, string> = offset > 0
          ? { range: `bytes=${offset}-`, "if-match": `"${etag}"` }
          : {};
        const res = await this.send({
          method: "GET",
          key,
          headers,
          what: "download",
          stream: true,
          ok: offset > 0 ? [206] : [200],
        });
        if (offset === 0) {
          etag = unquote(header(res.headers, "etag") ?? "");
          size = Number(header(res.headers, "content-length"));
          recorded = header(res.headers, META_SHA256);
        }
        try {
          for await (const chunk of res.body!) {
            hash.update(chunk);
            let at = 0;
            while (at < chunk.length) at += fs.writeSync(fd, chunk, at, chunk.length - at, offset + at);
            offset += chunk.length;
            failures = 0;
          }
          if (size !== undefined && offset < size) {
            throw new Error(`connection closed at byte ${offset} of ${size}`);
          }
          break;
        } catch (err) {
          await res.body?.cancel().catch(() => {});
          if (failures >= this.retries) {
            throw this.fail(
              { method: "GET", key, what: "download" },
              "s3-unreachable",
              `${describe(err)} at byte ${offset}`,
              "Check the network and try again.",
              Exit.network,
              err,
            );
          }
          await backoff(this.backoffMs, failures);
        }
      }
      fs.fsyncSync(fd);
      const sha256 = hash.digest("hex");
      const want = expectedSha256 ?? recorded;
      if (want && want !== sha256) {
        throw new EtcdupError({
          code: "download-digest-mismatch",
          message: `${this.url(key)} has SHA-256 ${sha256}, but ${
            expectedSha256 ? "the recorded digest" : "its etcdup-sha256 metadata"
          } is ${want}`,
          hint: "The object was damaged or tampered with; nothing was restored. Pick another snapshot.",
          exit: Exit.verification,
        });
      }
      complete = true;
      return { size: offset, sha256 };
    } finally {
      fs.closeSync(fd);
      if (!complete) fs.rmSync(dst, { force: true });
    }
  }

  /** Deletes one object (a missing one is fine: the goal is that it is gone). */
  async deleteObject(key: string): Promise<void> {
    await this.send({ method: "DELETE", key, what: "deletion", ok: [204, 200, 404] });
  }

  /** Deletes objects with DeleteObjects, 1000 keys per request; any key the server could not delete fails. */
  async deleteObjects(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const body = new TextEncoder().encode(deleteBody(batch));
      const res = await this.send({
        method: "POST",
        key: "",
        query: { delete: "" },
        body,
        headers: { "content-md5": md5(body).toString("base64"), "content-type": "application/xml" },
        what: "deletion",
      });
      const failed = parseDeleteErrors(res.text);
      if (failed.length > 0) {
        throw this.fail(
          { method: "POST", key: failed[0].key, what: "deletion" },
          "s3-delete-failed",
          failed.map((f) => `${f.key}: ${f.code}`).join(", "),
          "Check that the credentials may delete objects under the prefix.",
        );
      }
    }
  }
}

/** ETags come quoted (`"abc"`); compare them bare. */
function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, "").replace(/^&quot;|&quot;$/g, "");
}

/**
 * SHA-256 and MD5 of `length` bytes of `fd` from `start`, read 1 MiB at a time into one reused buffer (a
 * fresh buffer per read would be garbage V8 frees late, issue 17); `also` are fed the same bytes.
 */
async function hashRange(
  fd: number,
  start: number,
  length: number,
  also: Hash[] = [],
): Promise<{ sha256: string; md5: Buffer }> {
  const sha = createHash("sha256");
  const md = createHash("md5");
  const buf = Buffer.allocUnsafe(Math.min(MiB, Math.max(length, 1)));
  for (let at = 0; at < length;) {
    const want = Math.min(buf.length, length - at);
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, 0, want, start + at, (err, read) => err ? reject(err) : resolve(read))
    );
    if (n === 0) throw new Error(`the file ended at byte ${start + at}, before the ${start + length} it had`);
    const chunk = buf.subarray(0, n);
    for (const h of [sha, md, ...also]) h.update(chunk);
    at += n;
  }
  return { sha256: sha.digest("hex"), md5: md.digest() };
}
