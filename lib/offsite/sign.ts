/**
 * SigV4 signing of S3 requests, delegated to aws4fetch (small, dependency-free, WebCrypto HMAC/SHA-256;
 * checked in tests against AWS's published signature examples). Pure apart from the clock, which callers
 * may fix. Every header given is signed (with host, x-amz-date, x-amz-content-sha256 and the session token),
 * so a proxy cannot change any of them unnoticed.
 */
import { AwsV4Signer } from "aws4fetch";
import type { S3Credentials } from "./credentials.ts";

/** One request to sign. */
export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** Hex SHA-256 of the payload, sent as x-amz-content-sha256. */
  payloadHash: string;
  credentials: Pick<S3Credentials, "accessKeyId" | "secretAccessKey" | "sessionToken">;
  region: string;
  /** `YYYYMMDDTHHMMSSZ`; default now. */
  datetime?: string;
}

/** The headers to send: the given ones plus x-amz-date, x-amz-content-sha256, the token and Authorization. */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const signer = new AwsV4Signer({
    method: input.method,
    url: input.url.href,
    headers: { ...input.headers, "x-amz-content-sha256": input.payloadHash },
    accessKeyId: input.credentials.accessKeyId,
    secretAccessKey: input.credentials.secretAccessKey,
    sessionToken: input.credentials.sessionToken,
    service: "s3",
    region: input.region,
    datetime: input.datetime,
    allHeaders: true,
  });
  const signed = await signer.sign();
  return Object.fromEntries(signed.headers.entries());
}
