/**
 * What a streamed upload trusts with `--s3-ca`: `node:tls` replaces its roots when given a `ca` (unlike
 * `fetch`'s extra CA, which adds to them), so {@link trustedRoots} rebuilds the runtime's: the stores
 * `DENO_TLS_CA_STORE` names and the file `DENO_CERT` names, plus the extra CA. Checked against an HTTPS
 * server whose CA is known only through DENO_CERT while `--s3-ca` names another one.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { streamedRequest, trustedRoots } from "../../lib/release/streamed_request.ts";
import { makeTestPki, startHttpsServer } from "../support/https_server.ts";

Deno.test("trustedRoots: mozilla by default, the system store when DENO_TLS_CA_STORE says, DENO_CERT's file, then the extra CA", () => {
  const dir = fs.mkdtempSync("/tmp/etcdup-trust-");
  try {
    const denoCert = path.join(dir, "deno-cert.pem");
    fs.writeFileSync(denoCert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    assert.deepEqual(trustedRoots("EXTRA", {}), [...tls.rootCertificates, "EXTRA"]);
    const system = tls.getCACertificates("system");
    assert.deepEqual(trustedRoots("EXTRA", { DENO_TLS_CA_STORE: "system" }), [...system, "EXTRA"]);
    assert.deepEqual(
      trustedRoots("EXTRA", { DENO_TLS_CA_STORE: "mozilla,system", DENO_CERT: denoCert }),
      [...tls.rootCertificates, ...system, fs.readFileSync(denoCert, "utf8"), "EXTRA"],
    );
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

Deno.test("a streamed PUT with --s3-ca still trusts a CA that DENO_CERT adds, as fetch does", async () => {
  const server = await startHttpsServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("stored"));
  });
  const other = await makeTestPki();
  const dir = fs.mkdtempSync("/tmp/etcdup-trust-");
  const file = path.join(dir, "body");
  fs.writeFileSync(file, "snapshot bytes");
  const fd = fs.openSync(file, "r");
  const before = Deno.env.get("DENO_CERT");
  const put = () =>
    streamedRequest({
      method: "PUT",
      url: new URL(`${server.url}/b/k`),
      headers: {},
      body: { fd, start: 0, length: fs.fstatSync(fd).size },
      env: {},
      extraCa: other.caPem,
      connectTimeoutMs: 2000,
      idleTimeoutMs: 5000,
    });
  try {
    await assert.rejects(put(), /certificate|verify/i, "the server's CA is in neither --s3-ca nor the roots");
    Deno.env.set("DENO_CERT", server.caFile);
    const res = await put();
    assert.deepEqual([res.status, res.text], [200, "stored"]);
  } finally {
    if (before === undefined) Deno.env.delete("DENO_CERT");
    else Deno.env.set("DENO_CERT", before);
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true });
    await server.close();
  }
});
