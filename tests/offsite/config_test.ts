/**
 * Where the S3 client points and with which keys: s3:// URLs, endpoints and addressing, and the
 * credentials rules (a root-only 0600 file or the AWS variables; never printed).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { loadCredentials, parseCredentialsFile, redactor } from "../../lib/offsite/credentials.ts";
import { objectUrl, parseS3Url, resolveLocation } from "../../lib/offsite/location.ts";
import { remoteSettings } from "../../lib/offsite/remote.ts";

function thrown(fn: () => unknown): { code: string; exit: number; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; exit: number; message: string };
  }
  throw new Error("expected an error");
}

Deno.test("s3:// URLs: bucket and prefix, refused shapes with exit 2", () => {
  assert.deepEqual(parseS3Url("s3://my-bucket/etcd/prod"), { bucket: "my-bucket", key: "etcd/prod" });
  assert.deepEqual(parseS3Url("s3://my-bucket"), { bucket: "my-bucket", key: "" });
  for (
    const [url, code] of [
      ["https://my-bucket/x", "s3-url-invalid"],
      ["s3://My_Bucket/x", "s3-bucket-invalid"],
      ["s3://ab/x", "s3-bucket-invalid"],
      ["s3://bucket/../x", "s3-prefix-invalid"],
      ["s3://bucket/a b", "s3-prefix-invalid"],
      ["s3://bucket/a//b", "s3-prefix-invalid"],
    ]
  ) {
    const e = thrown(() => parseS3Url(url));
    assert.deepEqual([e.code, e.exit], [code, Exit.usage], url);
  }
});

Deno.test("addressing: virtual-hosted on AWS, path-style elsewhere, for dotted buckets and when asked", () => {
  const aws = resolveLocation({ url: "s3://snaps/etcd", region: "eu-west-1" });
  assert.equal(objectUrl(aws, "etcd/a.db").href, "https://snaps.s3.eu-west-1.amazonaws.com/etcd/a.db");
  assert.equal(aws.prefix, "etcd/");
  const minio = resolveLocation({ url: "s3://snaps/etcd/", endpoint: "https://minio.lan:9000" });
  assert.equal(objectUrl(minio, "etcd/a.db").href, "https://minio.lan:9000/snaps/etcd/a.db");
  assert.equal(objectUrl(minio, "", { "list-type": "2" }).href, "https://minio.lan:9000/snaps?list-type=2");
  assert.equal(minio.region, "us-east-1");
  const dotted = resolveLocation({ url: "s3://snaps.example.com/x", region: "us-west-2" });
  assert.equal(objectUrl(dotted, "x/a").href, "https://s3.us-west-2.amazonaws.com/snaps.example.com/x/a");
  const forced = resolveLocation({ url: "s3://snaps", pathStyle: true, env: { AWS_REGION: "ap-south-1" } });
  assert.equal(objectUrl(forced, "a").href, "https://s3.ap-south-1.amazonaws.com/snaps/a");
  assert.equal(
    thrown(() => resolveLocation({ url: "s3://snaps", endpoint: "ftp://x" })).code,
    "s3-endpoint-invalid",
  );
  assert.equal(
    thrown(() => resolveLocation({ url: "s3://snaps", endpoint: "https://u:p@x" })).code,
    "s3-endpoint-invalid",
  );
});

Deno.test("credentials: from the AWS variables, or missing with exit 2", () => {
  const c = loadCredentials(undefined, {
    AWS_ACCESS_KEY_ID: "AKID",
    AWS_SECRET_ACCESS_KEY: "sek",
    AWS_SESSION_TOKEN: "tok",
  });
  assert.deepEqual(c, {
    accessKeyId: "AKID",
    secretAccessKey: "sek",
    sessionToken: "tok",
    source: "environment",
  });
  const e = thrown(() => loadCredentials(undefined, { AWS_ACCESS_KEY_ID: "AKID" }));
  assert.deepEqual([e.code, e.exit], ["s3-credentials-missing", Exit.usage]);
});

Deno.test("credentials file: root-owned 0600 read; wider modes, other owners and symlinks refused with exit 7", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcdup-creds-" });
  try {
    const file = path.join(dir, "creds");
    fs.writeFileSync(
      file,
      "# etcdup\n[default]\naws_access_key_id = AKID\naws_secret_access_key = very/secret+key\n",
      { mode: 0o600 },
    );
    fs.chmodSync(file, 0o600);
    assert.deepEqual(
      loadCredentials(file, { AWS_ACCESS_KEY_ID: "ignored", AWS_SECRET_ACCESS_KEY: "ignored" }),
      {
        accessKeyId: "AKID",
        secretAccessKey: "very/secret+key",
        sessionToken: undefined,
        source: file,
      },
    );
    for (const mode of [0o640, 0o604, 0o644]) {
      fs.chmodSync(file, mode);
      const e = thrown(() => loadCredentials(file, {}));
      assert.deepEqual([e.code, e.exit], ["s3-credentials-unsafe", Exit.precondition], mode.toString(8));
      assert.ok(!e.message.includes("very/secret+key"));
    }
    fs.chmodSync(file, 0o600);
    fs.chownSync(file, 65534, 0);
    assert.equal(thrown(() => loadCredentials(file, {})).code, "s3-credentials-unsafe");
    fs.chownSync(file, 0, 0);
    fs.symlinkSync(file, path.join(dir, "link"));
    const l = thrown(() => loadCredentials(path.join(dir, "link"), {}));
    assert.deepEqual([l.code, l.exit], ["s3-credentials-unsafe", Exit.precondition]);
    const missing = thrown(() => loadCredentials(path.join(dir, "nope"), {}));
    assert.deepEqual([missing.code, missing.exit], ["s3-credentials-unreadable", Exit.usage]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("credentials file format: [default], a single profile, section-less keys, session token; junk refused", () => {
  assert.equal(
    parseCredentialsFile("[prod]\naws_access_key_id=A\naws_secret_access_key=B\n", "f").accessKeyId,
    "A",
  );
  assert.equal(
    parseCredentialsFile("aws_access_key_id = A\naws_secret_access_key = B\naws_session_token = T\n", "f")
      .sessionToken,
    "T",
  );
  assert.equal(
    parseCredentialsFile(
      "[a]\naws_access_key_id=X\naws_secret_access_key=Y\n[default]\naws_access_key_id=A\naws_secret_access_key=B\n",
      "f",
    )
      .accessKeyId,
    "A",
  );
  assert.equal(
    thrown(() => parseCredentialsFile("[a]\naws_access_key_id=X\n", "f")).code,
    "s3-credentials-invalid",
  );
  const junk = thrown(() => parseCredentialsFile("AKIDsecret-on-one-line", "f"));
  assert.equal(junk.code, "s3-credentials-invalid");
  assert.ok(!junk.message.includes("AKIDsecret"), "a malformed line is not echoed");
});

Deno.test("the redactor scrubs the secret, the token and any signature from text", () => {
  const r = redactor({
    accessKeyId: "AKID",
    secretAccessKey: "sekrit/key",
    sessionToken: "tok123",
    source: "x",
  });
  assert.equal(
    r("a sekrit/key b tok123 Authorization: AWS4-HMAC-SHA256 Credential=AKID/2013, Signature=abc123"),
    "a [redacted] b [redacted] Authorization: AWS4-HMAC-SHA256 Credential=[redacted], Signature=[redacted]",
  );
});

Deno.test("remote settings: recorded without secrets; S3 flags without --upload and a bad --s3-ca refused with exit 2", () => {
  assert.equal(remoteSettings({}), undefined);
  assert.deepEqual(
    remoteSettings({
      upload: "s3://snaps/etcd",
      "s3-endpoint": "http://127.0.0.1:9000",
      "s3-credentials": "/etc/etcdup/s3",
    }),
    {
      url: "s3://snaps/etcd",
      endpoint: "http://127.0.0.1:9000",
      region: undefined,
      pathStyle: undefined,
      caFile: undefined,
      credentialsFile: "/etc/etcdup/s3",
    },
  );
  const stray = thrown(() => remoteSettings({ "s3-region": "eu-west-1" }));
  assert.deepEqual([stray.code, stray.exit], ["s3-flag-without-upload", Exit.usage]);
  const ca = thrown(() => remoteSettings({ upload: "s3://snaps/x", "s3-ca": "/nonexistent/ca.pem" }));
  assert.deepEqual([ca.code, ca.exit], ["s3-ca-unreadable", Exit.usage]);
  assert.match(ca.message, /^--s3-ca \/nonexistent\/ca.pem/);
});
