/**
 * Every certificate etcdup makes passes both independent strict verifiers, OpenSSL (`verify -x509_strict`
 * with the TLS purpose) and GnuTLS (`certtool --verify`), in both layouts and for each key algorithm,
 * through the life of a PKI driven by the real CLI under `--root`: install, issue-client, renew, a staged CA
 * rotation (stage, switch, finish) and a second rotation. While the CA file holds two CAs, each CA of it and
 * the leaves of both CAs verify against it (other members still present old-CA certificates). Also: CA
 * certificates carry AKI = SKI and a rotated CA its own subject, client-only RSA certificates no
 * keyEncipherment, client pairs keep their key algorithm and lifetime, a CA made by an older etcdup (no AKI,
 * the layout's CA name) rotates to a bundle both verifiers accept, and a given CA strict verifiers would
 * reject is warned about (or refused when it cannot sign at all).
 */
import assert from "node:assert/strict";
import type { HostRoot } from "../../lib/host/fs.ts";
import { DEFAULT_KEY_ALGORITHM, KEY_ALGORITHMS, type KeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { clientPairs } from "../../lib/pki/clients.ts";
import { defaultPkiDir, type Layout, type PkiPaths, pkiPaths } from "../../lib/pki/layout.ts";
import { certificatePem, parseCertificates } from "../../lib/pki/pem.ts";
import { observePki } from "../../lib/pki/observe.ts";
import { leafProfiles } from "../../lib/pki/profiles.ts";
import { Exit } from "../../lib/errors.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import {
  assertStrictlyValid,
  events,
  makePki,
  openssl,
  opensslCa,
  request,
  strictVerify,
  type TempRoot,
  tempRoot,
  type TlsPurpose,
  x509Text,
} from "./helpers.ts";

const DAY = 86_400_000;

/**
 * The algorithms of the lifecycle matrix. rsa-3072 and rsa-4096 take rsa-2048's code path with much
 * slower key generation; openssl_test.ts verifies their PKIs strictly with both tools.
 */
const MATRIX: KeyAlgorithm[] = KEY_ALGORITHMS.filter((a) => a !== "rsa-3072" && a !== "rsa-4096");

/** Runs etcdup under `root` with --json and demands exit 0; returns its events. */
async function cli(root: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const r = await runEtcdup([...args, "--root", root, "--json"]);
  assert.equal(r.code, 0, `etcdup ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return events(r.stdout);
}

/** openssl's text of one extension of a certificate file ("" when absent). */
async function ext(file: string, name: string): Promise<string> {
  return (await openssl("x509", "-in", file, "-noout", "-ext", name)).replace(/^.*\n/, "").trim();
}

/** The CAs of the CA file, each written to its own file (for verifying a CA of the bundle by itself). */
async function splitCas(t: TempRoot, paths: PkiPaths): Promise<string[]> {
  const cas = parseCertificates(t.host.readText(paths.caCert)!, paths.caCert);
  const files: string[] = [];
  for (const [i, ca] of cas.entries()) {
    const file = `${t.root}/split-ca-${i}.pem`;
    await Deno.writeTextFile(file, certificatePem(ca));
    files.push(file);
  }
  return files;
}

/** Every leaf of the layout and every client pair: its real path and the purposes it is presented for. */
function leaves(host: HostRoot, layout: Layout, paths: PkiPaths): { file: string; purposes: TlsPurpose[] }[] {
  return [
    ...leafProfiles(layout, paths, "any").map((p) => ({
      file: host.resolve(p.certPath),
      purposes: p.usages.map((u): TlsPurpose => u === "serverAuth" ? "server" : "client"),
    })),
    ...clientPairs(observePki(host, { layout, pkiDir: paths.dir, memberName: "any" }), paths).map((p) => ({
      file: host.resolve(p.certPath),
      purposes: ["client" as const],
    })),
  ];
}

/**
 * Checks every certificate of the PKI with both strict verifiers: each CA of the CA file against the file
 * (with AKI = SKI and a subject of its own), each leaf for each purpose, and its keyUsage (keyEncipherment
 * only for RSA with serverAuth). Returns the number of CAs the file trusts.
 */
async function verifyAll(t: TempRoot, layout: Layout, paths: PkiPaths, when: string): Promise<number> {
  const caFile = t.host.resolve(paths.caCert);
  const cas = await splitCas(t, paths);
  const subjects = new Set<string>();
  for (const ca of cas) {
    await assertStrictlyValid(caFile, ca, [undefined]).catch((e) => assert.fail(`${when}: ${e.message}`));
    const ski = await ext(ca, "subjectKeyIdentifier");
    assert.ok(ski !== "", `${when}: ${ca} has an SKI`);
    assert.equal(await ext(ca, "authorityKeyIdentifier"), ski, `${when}: ${ca} AKI = its SKI`);
    subjects.add((await openssl("x509", "-in", ca, "-noout", "-subject")).trim());
  }
  assert.equal(subjects.size, cas.length, `${when}: every CA of the file has its own subject`);
  for (const leaf of leaves(t.host, layout, paths)) {
    await assertStrictlyValid(caFile, leaf.file, leaf.purposes).catch((e) =>
      assert.fail(`${when}: ${e.message}`)
    );
    const rsa = /Public Key Algorithm: rsaEncryption/.test(await x509Text(leaf.file));
    assert.equal(
      await ext(leaf.file, "keyUsage"),
      rsa && leaf.purposes.includes("server") ? "Digital Signature, Key Encipherment" : "Digital Signature",
      `${when}: keyUsage of ${leaf.file}`,
    );
  }
  return cas.length;
}

/** Copies of the current leaves (as other members and clients still hold them during a rotation). */
async function keepLeaves(t: TempRoot, layout: Layout, paths: PkiPaths, tag: string) {
  const kept: { file: string; purposes: TlsPurpose[] }[] = [];
  for (const [i, leaf] of leaves(t.host, layout, paths).entries()) {
    const file = `${t.root}/${tag}-${i}.crt`;
    await Deno.copyFile(leaf.file, file);
    kept.push({ file, purposes: leaf.purposes });
  }
  return kept;
}

/** The client pair `mon` still has the key algorithm and lifetime it was issued with. */
async function assertClientKept(t: TempRoot, paths: PkiPaths, alg: KeyAlgorithm, days: number, when: string) {
  const file = t.host.resolve(`${paths.dir}/mon.crt`);
  const text = await x509Text(file);
  const re = alg === "ed25519" ? /Public Key Algorithm: ED25519/ : /ASN1 OID: secp384r1/;
  assert.match(text, re, `${when}: mon keeps ${alg}`);
  const cert = parseCertificates(await Deno.readTextFile(file), file)[0];
  const lifetime = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY;
  assert.ok(Math.abs(lifetime - days) < 0.01, `${when}: mon keeps ${days} days (has ${lifetime})`);
}

for (const layout of ["etcd", "kubeadm"] as const) {
  for (const alg of MATRIX) {
    Deno.test(
      `strict OpenSSL + GnuTLS, ${layout} layout, ${alg}: install, issue-client, renew, staged rotate-ca${
        alg === DEFAULT_KEY_ALGORITHM ? ", second rotation" : ""
      }`,
      async () => {
        const fx = await etcdFixture("sid");
        const t = await tempRoot("etcdup-strict-");
        try {
          const paths = pkiPaths(layout, defaultPkiDir(layout));
          await cli(
            t.root,
            "install",
            ...["--tarball", fx.tarball, "--sha256", fx.sha256, "--layout", layout, "--key-algorithm", alg],
            ...["--san", "etcd.test", "--san", "*.etcd.test", "--san", "10.1.2.3", "--san", "fd00::7"],
          );
          const clientAlg: KeyAlgorithm = alg === "ed25519" ? "ecdsa-p384" : "ed25519";
          await cli(t.root, "certs", "issue-client", "mon", "--key-algorithm", clientAlg, "--days", "90");
          assert.equal(await verifyAll(t, layout, paths, "after install + issue-client"), 1);

          await cli(t.root, "certs", "renew");
          assert.equal(await verifyAll(t, layout, paths, "after renew"), 1);
          await assertClientKept(t, paths, clientAlg, 90, "after renew");

          const old = await keepLeaves(t, layout, paths, "old");
          const exported = `${t.root}/new-ca.pem`;
          await cli(t.root, "certs", "rotate-ca", "--stage", "--out", exported);
          assert.equal(await verifyAll(t, layout, paths, "after rotate-ca --stage"), 2);

          await cli(t.root, "certs", "rotate-ca", "--ca-from", exported);
          assert.equal(await verifyAll(t, layout, paths, "after rotate-ca (switch)"), 2);
          const caFile = t.host.resolve(paths.caCert);
          for (const leaf of old) {
            await assertStrictlyValid(caFile, leaf.file, leaf.purposes).catch((e) =>
              assert.fail(`old-CA leaf during the rotation: ${e.message}`)
            );
          }
          await assertClientKept(t, paths, clientAlg, 90, "after rotate-ca");

          await cli(t.root, "certs", "rotate-ca", "--finish");
          assert.equal(await verifyAll(t, layout, paths, "after rotate-ca --finish"), 1);
          assert.ok(await strictVerify(caFile, old[0].file, old[0].purposes[0]), "old-CA leaves refused now");

          if (alg !== DEFAULT_KEY_ALGORITHM) return; // a second rotation does not depend on the algorithm
          await cli(t.root, "certs", "rotate-ca");
          assert.equal(await verifyAll(t, layout, paths, "after a second rotate-ca"), 2);
          const third = await runEtcdup(["certs", "rotate-ca", "--root", t.root, "--json"]);
          assert.equal(third.code, 7, third.stdout);
          assert.equal(events(third.stdout).find((e) => e.event === "error")?.code, "rotation-in-progress");
        } finally {
          await t.cleanup();
        }
      },
    );
  }
}

Deno.test("rotate-ca from a CA of an older etcdup (no AKI, the layout's CA name): both CAs and both generations of leaves verify", async () => {
  const t = await tempRoot("etcdup-strict-");
  try {
    const legacy = await opensslCa(t.root, "legacy", "/CN=etcdup-ca", [
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier=hash",
    ]);
    const ca = { certPem: await Deno.readTextFile(legacy.cert), keyPem: await Deno.readTextFile(legacy.key) };
    await makePki(t.host, request({ ca: { ...ca, source: legacy.cert } }));
    const paths = pkiPaths("etcd", "/etc/etcd/pki");
    assert.equal(await ext(t.host.resolve(paths.caCert), "authorityKeyIdentifier"), "", "a CA without AKI");
    const old = await keepLeaves(t, "etcd", paths, "old");
    await cli(t.root, "certs", "rotate-ca", "--key-algorithm", "ecdsa-p256");
    const caFile = t.host.resolve(paths.caCert);
    const cas = await splitCas(t, paths);
    assert.equal(cas.length, 2);
    assert.match(
      await openssl("x509", "-in", cas[0], "-noout", "-subject"),
      /CN\s?=\s?etcdup-ca \d{8}T\d{6}Z/,
    );
    for (const file of cas) await assertStrictlyValid(caFile, file, [undefined]);
    for (const leaf of [...old, ...leaves(t.host, "etcd", paths)]) {
      await assertStrictlyValid(caFile, leaf.file, leaf.purposes);
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("a given CA without keyUsage is warned about (install --dry-run and rotate-ca, --json too); one without keyCertSign is refused", async () => {
  const fx = await etcdFixture("sid");
  const t = await tempRoot("etcdup-strict-");
  try {
    const noKu = await opensslCa(t.root, "no-ku", "/CN=bare-ca", [
      "basicConstraints=CA:TRUE",
      "subjectKeyIdentifier=hash",
    ]);
    const flags = ["--ca-cert", noKu.cert, "--ca-key", noKu.key];
    const warned = (evs: Record<string, unknown>[]) =>
      evs.filter((e) => e.event === "warning").map((e) => String(e.message)).join("\n");
    const dry = await cli(
      t.root,
      ...["install", "--dry-run", "--tarball", fx.tarball, "--sha256", fx.sha256],
      ...flags,
    );
    assert.match(
      warned(dry),
      new RegExp(
        `the CA ${noKu.cert} \\+ ${noKu.key} lacks keyUsage \\(keyCertSign, cRLSign\\), a critical basicConstraints`,
      ),
    );

    await makePki(t.host, request());
    const paths = pkiPaths("etcd", "/etc/etcd/pki");
    const rotated = await cli(t.root, "certs", "rotate-ca", ...flags);
    assert.match(warned(rotated), /lacks keyUsage .*strict verifiers \(OpenSSL -x509_strict\) will refuse/);
    const human = await runEtcdup(["certs", "rotate-ca", "--finish", "--root", t.root]);
    assert.equal(human.code, 0, human.stderr);
    const refused = await strictVerify(
      t.host.resolve(paths.caCert),
      t.host.resolve(paths.serverCert),
      "server",
    );
    assert.match(
      refused ?? "",
      /CA cert does not include key usage extension/,
      "what the warning says is so",
    );

    const noSign = await opensslCa(t.root, "no-sign", "/CN=no-sign-ca", [
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,digitalSignature,cRLSign",
      "subjectKeyIdentifier=hash",
    ]);
    const r = await runEtcdup([
      ...["certs", "rotate-ca", "--root", t.root, "--json"],
      ...["--ca-cert", noSign.cert, "--ca-key", noSign.key],
    ]);
    assert.equal(r.code, Exit.verification, r.stdout);
    const error = events(r.stdout).find((e) => e.event === "error");
    assert.equal(error?.code, "ca-cannot-sign");
    assert.match(
      String(error?.message),
      /no-sign\.crt \+ .*no-sign\.key is a CA certificate whose keyUsage lacks keyCertSign/,
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("rotate-ca to a given CA of the current CA's subject and without AKI is warned about", async () => {
  const t = await tempRoot("etcdup-strict-");
  try {
    await makePki(t.host, request());
    const twin = await opensslCa(t.root, "twin", "/CN=etcdup-ca", [
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier=hash",
    ]);
    const evs = await cli(t.root, "certs", "rotate-ca", "--ca-cert", twin.cert, "--ca-key", twin.key);
    assert.match(
      evs.filter((e) => e.event === "warning").map((e) => String(e.message)).join("\n"),
      /twin\.crt .*has the same subject 'CN=etcdup-ca' as the current CA and one of them has no authorityKeyIdentifier/,
    );
  } finally {
    await t.cleanup();
  }
});
