/**
 * SigV4 signatures checked against AWS's published examples (they cannot be downloaded here, so the
 * inputs and expected signatures are embedded; every value is copied from the source named):
 * - "get-vanilla" of the aws-sig-v4-test-suite (AWS General Reference, "Signature Version 4 test suite"):
 *   key AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service
 *   "service". It exercises the library (aws4fetch) directly, as it is not an S3 request.
 * - The worked examples of the Amazon S3 API Reference, "Signature Calculations for the Authorization
 *   Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)": key AKIAIOSFODNN7EXAMPLE /
 *   wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 20130524T000000Z, us-east-1, bucket examplebucket: GET Object,
 *   PUT Object, GET Bucket Lifecycle, GET Bucket (List Objects). These go through etcdup's own
 *   {@link signRequest}, the function every S3 request of the client is signed with.
 */
import assert from "node:assert/strict";
import { AwsV4Signer } from "aws4fetch";
import { signRequest } from "../../lib/offsite/sign.ts";
import { sha256Hex } from "../../lib/hash.ts";

const S3_DOC_KEY = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const EMPTY = sha256Hex("");
const cred = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";

Deno.test("aws-sig-v4-test-suite get-vanilla", async () => {
  const signed = await new AwsV4Signer({
    method: "GET",
    url: "https://example.amazonaws.com/",
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    service: "service",
    region: "us-east-1",
    datetime: "20150830T123600Z",
  }).sign();
  assert.equal(
    signed.headers.get("authorization"),
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  );
});

/** The S3 API Reference examples: request, and the Authorization header AWS documents for it. */
const s3Examples: {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string;
  auth: string;
}[] = [
  {
    name: "GET Object (with Range)",
    method: "GET",
    url: "https://examplebucket.s3.amazonaws.com/test.txt",
    headers: { range: "bytes=0-9" },
    payload: "",
    auth:
      `${cred}, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
  },
  {
    name: "PUT Object",
    method: "PUT",
    url: "https://examplebucket.s3.amazonaws.com/test$file.text",
    headers: { date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY" },
    payload: "Welcome to Amazon S3.",
    auth:
      `${cred}, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
  },
  {
    name: "GET Bucket Lifecycle",
    method: "GET",
    url: "https://examplebucket.s3.amazonaws.com/?lifecycle",
    headers: {},
    payload: "",
    auth:
      `${cred}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543`,
  },
  {
    name: "GET Bucket (List Objects)",
    method: "GET",
    url: "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
    headers: {},
    payload: "",
    auth:
      `${cred}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7`,
  },
];

for (const ex of s3Examples) {
  Deno.test(`S3 API Reference SigV4 example: ${ex.name}`, async () => {
    const headers = await signRequest({
      method: ex.method,
      url: new URL(ex.url),
      headers: ex.headers,
      payloadHash: sha256Hex(ex.payload),
      credentials: S3_DOC_KEY,
      region: "us-east-1",
      datetime: "20130524T000000Z",
    });
    assert.equal(headers.authorization, ex.auth);
    assert.equal(headers["x-amz-content-sha256"], sha256Hex(ex.payload));
  });
}

Deno.test("a session token is sent and signed; the empty-payload hash is the documented one", async () => {
  const headers = await signRequest({
    method: "GET",
    url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
    headers: {},
    payloadHash: EMPTY,
    credentials: { ...S3_DOC_KEY, sessionToken: "TOKEN" },
    region: "us-east-1",
    datetime: "20130524T000000Z",
  });
  assert.equal(EMPTY, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(headers["x-amz-security-token"], "TOKEN");
  assert.match(
    headers.authorization,
    /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
  );
});
