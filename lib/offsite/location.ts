/**
 * Where snapshots go: the `s3://BUCKET/PREFIX` of `--upload` plus `--s3-endpoint`, `--s3-region` and
 * `--s3-path-style`, resolved into one {@link S3Location} and the URL of any object in it. Pure: no I/O.
 */
import { usageError } from "../errors.ts";

/** A bucket and prefix on one S3-compatible endpoint, with the addressing it needs. */
export interface S3Location {
  /** Service endpoint without bucket, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`. */
  endpoint: URL;
  region: string;
  bucket: string;
  /** Key prefix, without leading slash; empty or ending in `/`. */
  prefix: string;
  /** `https://host/BUCKET/KEY` (true) or `https://BUCKET.host/KEY` (false). */
  pathStyle: boolean;
}

/** What the flags say; every field but `url` may be absent. */
export interface LocationInput {
  /** `s3://BUCKET/PREFIX` (the `--upload` value or a restore argument's bucket part). */
  url: string;
  endpoint?: string;
  region?: string;
  /** `--s3-path-style`: force path-style addressing. */
  pathStyle?: boolean;
  env?: Record<string, string | undefined>;
}

/** S3's rules for bucket names (3-63 chars, lowercase, digits, dots, hyphens, alphanumeric ends). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/**
 * Characters allowed in a prefix or key. Narrower than S3's: every such key has one spelling in a URL and
 * in the signed canonical request, so no server can disagree with the signer about its encoding.
 */
const KEY = /^[A-Za-z0-9._\-/]*$/;

/** Splits `s3://BUCKET/PREFIX/NAME` into bucket and key, refusing what S3 would refuse. */
export function parseS3Url(url: string, flag = "--upload"): { bucket: string; key: string } {
  const m = url.match(/^s3:\/\/([^/]+)(?:\/(.*))?$/);
  if (!m) {
    throw usageError(
      "s3-url-invalid",
      `${flag} ${url} is not an s3://BUCKET/PREFIX URL`,
      "Write it as s3://my-bucket/etcd/",
    );
  }
  const [, bucket, key = ""] = m;
  if (!BUCKET.test(bucket) || bucket.includes("..")) {
    throw usageError(
      "s3-bucket-invalid",
      `${flag} ${url}: '${bucket}' is not a valid bucket name`,
      "Bucket names are 3-63 lowercase letters, digits, dots and hyphens.",
    );
  }
  if (!KEY.test(key) || key.split("/").some((s) => s === "." || s === "..") || key.includes("//")) {
    throw usageError(
      "s3-prefix-invalid",
      `${flag} ${url}: the prefix '${key}' has characters etcdup does not use in object names`,
      "Use letters, digits, '.', '_', '-' and single '/' separators.",
    );
  }
  return { bucket, key };
}

/** Whether an endpoint host is Amazon's (virtual-hosted addressing works there). */
function isAws(host: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(host);
}

/**
 * Resolves the flags into a location. Without `--s3-endpoint` the AWS endpoint of the region is used;
 * path-style addressing is chosen for any other endpoint (MinIO, Ceph RGW, Garage and test servers serve
 * it; R2 does too) and for bucket names with dots (their virtual host would not match a `*.` certificate).
 */
export function resolveLocation(input: LocationInput): S3Location {
  const env = input.env ?? {};
  const { bucket, key } = parseS3Url(input.url);
  const region = input.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw usageError(
      "s3-region-invalid",
      `--s3-region ${region} is not a region name`,
      "e.g. --s3-region eu-west-1",
    );
  }
  let endpoint: URL;
  try {
    endpoint = new URL(input.endpoint ?? `https://s3.${region}.amazonaws.com`);
  } catch {
    throw usageError(
      "s3-endpoint-invalid",
      `--s3-endpoint ${input.endpoint} is not a URL`,
      "Give the service URL, e.g. https://minio.example:9000",
    );
  }
  if (
    !["http:", "https:"].includes(endpoint.protocol) || endpoint.search || endpoint.hash || endpoint.username
  ) {
    throw usageError(
      "s3-endpoint-invalid",
      `--s3-endpoint ${input.endpoint} must be a plain http(s)://HOST[:PORT][/PATH] URL`,
      "Give the service URL without query, fragment or credentials.",
    );
  }
  const pathStyle = input.pathStyle === true || !isAws(endpoint.hostname) || bucket.includes(".");
  const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
  return { endpoint, region, bucket, prefix, pathStyle };
}

/** Percent-encodes a key the way the SigV4 signer canonicalises it (our keys hold only safe characters). */
function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** The URL of `key` (empty for the bucket itself) with an optional query. */
export function objectUrl(loc: S3Location, key: string, query: Record<string, string> = {}): URL {
  const base = loc.endpoint.pathname.replace(/\/+$/, "");
  const url = new URL(loc.endpoint.href);
  if (loc.pathStyle) {
    url.pathname = key === "" ? `${base}/${loc.bucket}` : `${base}/${loc.bucket}/${encodeKey(key)}`;
  } else {
    url.hostname = `${loc.bucket}.${loc.endpoint.hostname}`;
    url.pathname = `${base}/${encodeKey(key)}`;
  }
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url;
}

/** `s3://BUCKET/KEY`, for messages and records. */
export function displayUrl(loc: S3Location, key: string): string {
  return `s3://${loc.bucket}/${key}`;
}
