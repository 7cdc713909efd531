/**
 * The few S3 XML documents etcdup reads and writes, parsed with fast-xml-parser (the parser the AWS SDK for
 * JavaScript uses). Values stay strings, so a key such as `0001` is not turned into a number.
 */
import { XMLParser } from "fast-xml-parser";

const ARRAYS = new Set(["Contents", "Part", "Error", "Deleted", "Object", "Upload", "CommonPrefixes"]);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

// deno-lint-ignore no-explicit-any
type Doc = Record<string, any>;

/** Parses a document; anything unparsable yields an empty object (callers then see missing fields). */
function parse(text: string): Doc {
  try {
    return parser.parse(text) as Doc;
  } catch {
    return {};
  }
}

/** An S3 `<Error>` body: its code and message, when the body is one. */
export function parseError(text: string): { code: string; message: string } | undefined {
  const err = parse(text).Error;
  const e = Array.isArray(err) ? err[0] : err;
  if (!e || typeof e !== "object") return undefined;
  return { code: String(e.Code ?? ""), message: String(e.Message ?? "") };
}

/** One object of a listing. */
export interface ListedObject {
  key: string;
  size: number;
  /** ISO timestamp the server reports. */
  lastModified: string;
  etag: string;
}

/** A ListObjectsV2 page. */
export interface ListPage {
  objects: ListedObject[];
  /** Set when more pages follow. */
  nextToken?: string;
}

/** Parses a `<ListBucketResult>` of ListObjectsV2. */
export function parseListPage(text: string): ListPage | undefined {
  const r = parse(text).ListBucketResult;
  if (!r || typeof r !== "object") return undefined;
  const objects = ((r.Contents ?? []) as Doc[]).map((c) => ({
    key: String(c.Key ?? ""),
    size: Number(c.Size ?? NaN),
    lastModified: String(c.LastModified ?? ""),
    etag: String(c.ETag ?? ""),
  }));
  const truncated = String(r.IsTruncated ?? "false") === "true";
  return { objects, nextToken: truncated ? String(r.NextContinuationToken ?? "") || undefined : undefined };
}

/** The UploadId of an `<InitiateMultipartUploadResult>`. */
export function parseUploadId(text: string): string | undefined {
  const id = parse(text).InitiateMultipartUploadResult?.UploadId;
  return id ? String(id) : undefined;
}

/** The ETag of a `<CompleteMultipartUploadResult>` (undefined when the body is not one, e.g. an `<Error>`). */
export function parseCompleteEtag(text: string): string | undefined {
  const r = parse(text).CompleteMultipartUploadResult;
  return r && typeof r === "object" ? String(r.ETag ?? "") : undefined;
}

/** The keys a `<DeleteResult>` reports as failed, with their error codes. */
export function parseDeleteErrors(text: string): { key: string; code: string }[] {
  const r = parse(text).DeleteResult;
  return ((r?.Error ?? []) as Doc[]).map((e) => ({ key: String(e.Key ?? ""), code: String(e.Code ?? "") }));
}

/** Escapes text for an XML element body. */
function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The `<CompleteMultipartUpload>` request body. */
export function completeBody(parts: { number: number; etag: string }[]): string {
  const items = parts.map((p) =>
    `<Part><PartNumber>${p.number}</PartNumber><ETag>${esc(p.etag)}</ETag></Part>`
  );
  return `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>${
    items.join("")
  }</CompleteMultipartUpload>`;
}

/** The `<Delete>` request body of DeleteObjects (quiet: only failures are reported). */
export function deleteBody(keys: string[]): string {
  const items = keys.map((k) => `<Object><Key>${esc(k)}</Key></Object>`);
  return `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${items.join("")}</Delete>`;
}
