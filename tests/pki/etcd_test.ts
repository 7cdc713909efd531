/**
 * A real etcd (Debian sid's binaries from the fixture) serving mutual TLS with the PKI etcdup makes: every
 * key algorithm; `certs renew` with data intact; `certs rotate-ca` where new-CA clients connect during the
 * rotation and, after `--finish`, clients with old-CA certificates are refused.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { parseCertificates } from "../../lib/pki/pem.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { exec } from "../support/exec.ts";
import { type ClientFiles, etcdBinaries, localEtcd, makePki, request, tempRoot } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");

/** The serial (hex, as openssl prints it) of the certificate etcd presents on `endpoint`. */
async function servedSerial(endpoint: string, client: ClientFiles): Promise<string> {
  const r = await exec(
    [
      "openssl",
      "s_client",
      "-connect",
      endpoint.replace("https://", ""),
      "-CAfile",
      client.ca,
      "-cert",
      client.cert,
      "-key",
      client.key,
    ],
    { input: "", timeoutMs: 10_000 },
  );
  const pem = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  assert.ok(pem, r.stdout + r.stderr);
  const out = await exec(["openssl", "x509", "-noout", "-serial"], { input: pem[0] + "\n" });
  return out.stdout.trim().replace(/^serial=/, "");
}

/** Copies the current admin pair and CA file of `pki` to `dir` (a client's own copy). */
async function snapshotClient(pki: string, dir: string): Promise<ClientFiles> {
  await Deno.mkdir(dir, { recursive: true });
  const out = {
    ca: path.join(dir, "ca.crt"),
    cert: path.join(dir, "admin.crt"),
    key: path.join(dir, "admin.key"),
  };
  await Deno.copyFile(path.join(pki, "ca.crt"), out.ca);
  await Deno.copyFile(path.join(pki, "admin.crt"), out.cert);
  await Deno.copyFile(path.join(pki, "admin.key"), out.key);
  return out;
}

/** A real etcd serving a fresh etcdup PKI from a temp root, with the admin client's files. */
interface Serving {
  root: string;
  /** The PKI directory's real path. */
  pki: string;
  admin: ClientFiles;
  etcd: ReturnType<typeof localEtcd>;
  etcdctl: string;
}

/** Runs `body` against etcd started on a new PKI of `algorithm` (default: the helpers'); always stops and cleans up. */
async function withServingEtcd(body: (s: Serving) => Promise<void>, algorithm?: KeyAlgorithm): Promise<void> {
  const t = await tempRoot("etcdup-pki-etcd-");
  let etcd: ReturnType<typeof localEtcd> | undefined;
  try {
    const bins = await etcdBinaries(t.root);
    await makePki(t.host, request(algorithm ? { algorithm } : {}));
    const pki = t.host.resolve(P.dir);
    const admin = { ca: `${pki}/ca.crt`, cert: `${pki}/admin.crt`, key: `${pki}/admin.key` };
    etcd = localEtcd(bins, pki, path.join(t.root, "data"));
    await etcd.start(admin);
    await body({ root: t.root, pki, admin, etcd, etcdctl: bins.etcdctl });
  } finally {
    await etcd?.stop();
    await t.cleanup();
  }
}

for (const alg of KEY_ALGORITHMS) {
  Deno.test(`etcd serves mutual TLS with ${alg} certificates; clients without a certificate are refused`, async () => {
    await withServingEtcd(async ({ admin, etcd, etcdctl }) => {
      assert.equal((await etcd.ctl(admin, "put", "/foo", alg)).code, 0);
      assert.equal((await etcd.ctl(admin, "get", "/foo", "--print-value-only")).stdout.trim(), alg);
      const anon = await exec([
        etcdctl,
        `--endpoints=${etcd.endpoint}`,
        `--cacert=${admin.ca}`,
        "--dial-timeout=2s",
        "--command-timeout=3s",
        "get",
        "/foo",
      ], { timeoutMs: 15_000 });
      assert.notEqual(anon.code, 0, "a client without a certificate is refused");
    }, alg);
  });
}

Deno.test("certs renew: etcd accepts the renewed set and the data is intact", async () => {
  await withServingEtcd(async ({ root, pki, admin, etcd }) => {
    assert.equal((await etcd.ctl(admin, "put", "/keep", "me")).code, 0);
    const before = parseCertificates(await Deno.readTextFile(`${pki}/server.crt`), "server")[0].serialNumber;

    const r = await runEtcdup(["certs", "renew", "--root", root]);
    assert.equal(r.code, 0, r.stderr);
    const after = parseCertificates(await Deno.readTextFile(`${pki}/server.crt`), "server")[0].serialNumber;
    assert.notEqual(after, before);

    await etcd.start(admin); // restart on the new files
    assert.equal((await etcd.ctl(admin, "get", "/keep", "--print-value-only")).stdout.trim(), "me");
    const served = await servedSerial(etcd.endpoint, admin);
    assert.equal(
      served.replace(/^serial=/, "").toLowerCase(),
      after.toLowerCase(),
      "etcd presents the renewed certificate",
    );
  });
});

Deno.test("certs rotate-ca: new-CA clients connect during the rotation; after --finish old-CA clients are refused", async () => {
  await withServingEtcd(async ({ root, pki, admin: current, etcd }) => {
    assert.equal((await etcd.ctl(current, "put", "/rot", "1")).code, 0);
    const oldClient = await snapshotClient(pki, path.join(root, "old-client"));

    const r = await runEtcdup(["certs", "rotate-ca", "--root", root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rotate-ca --finish/);
    const bundle = parseCertificates(await Deno.readTextFile(`${pki}/ca.crt`), "bundle");
    assert.equal(bundle.length, 2, "the CA file trusts the new and the old CA");
    await etcd.start(current);
    const newClient = await snapshotClient(pki, path.join(root, "new-client"));
    assert.equal(
      (await etcd.ctl(newClient, "get", "/rot", "--print-value-only")).stdout.trim(),
      "1",
      "new-CA client",
    );
    const oldCertNewTrust = { ...oldClient, ca: newClient.ca };
    assert.equal(
      (await etcd.ctl(oldCertNewTrust, "get", "/rot")).code,
      0,
      "old-CA client certs still accepted",
    );
    const check = await runEtcdup(["certs", "check", "--root", root, "--json"]);
    assert.match(check.stdout, /"bundleSize":2/);

    const fin = await runEtcdup(["certs", "rotate-ca", "--finish", "--root", root]);
    assert.equal(fin.code, 0, fin.stderr);
    assert.equal(parseCertificates(await Deno.readTextFile(`${pki}/ca.crt`), "ca").length, 1);
    await etcd.start(current);
    assert.equal((await etcd.ctl(current, "get", "/rot", "--print-value-only")).stdout.trim(), "1");
    const refused = await etcd.ctl(oldCertNewTrust, "get", "/rot");
    assert.notEqual(refused.code, 0, "an old-CA client certificate is refused after --finish");
    const oldOnly = await etcd.ctl(oldClient, "get", "/rot");
    assert.notEqual(oldOnly.code, 0, "a client trusting only the old CA is refused");
    const again = await runEtcdup(["certs", "rotate-ca", "--finish", "--root", root]);
    assert.equal(again.code, 0);
    assert.match(again.stdout + again.stderr, /no rotation in progress/);
  });
});
