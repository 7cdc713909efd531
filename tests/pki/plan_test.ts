/**
 * planPki against what is on disk (observed by observePki, written by writePki): valid material is kept, SAN drift / expiry / a foreign CA cause a
 * reissue from the same CA, and states that would lose trust are clear errors. Also the CA sources
 * (--ca-from export, a kubeadm-style PKCS#1 CA), the validity and algorithm errors, and mode repair.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type EtcdupError, Exit } from "../../lib/errors.ts";
import { parseKeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { restorePki } from "../../lib/pki/write.ts";
import { renderCaExport, splitCaExport } from "../../lib/pki/export.ts";
import { chainsTo, keyMatches } from "../../lib/pki/match.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { parseCertificates, parsePrivateKey } from "../../lib/pki/pem.ts";
import { observePki } from "../../lib/pki/observe.ts";
import { type PkiRequest, verifyPlan } from "../../lib/pki/plan.ts";
import type { ObservedPki } from "../../lib/pki/types.ts";
import { certSans, normalizeIp } from "../../lib/pki/sans.ts";
import { checkLifetimes, MAX_DAYS } from "../../lib/pki/request.ts";
import { pkiFlags } from "../../lib/specs/install.ts";
import {
  makePki,
  observe,
  openssl,
  planOn,
  rejectsWith,
  request,
  type TempRoot,
  tempRoot,
  withPki,
  writeOn,
} from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const DAY = 86_400_000;

/** Runs `body` with two temp roots, each holding its own PKI (two CAs) of {@link request}; removes both after. */
function withTwoPkis(body: (t: TempRoot, other: TempRoot) => Promise<void>): Promise<void> {
  return withPki((t) => withPki((other) => body(t, other)));
}

function cert(host: { readText(p: string): string | undefined }, p: string) {
  return parseCertificates(host.readText(p)!, p)[0];
}

Deno.test("planPki: a second plan with the same request keeps everything", async () => {
  const t = await tempRoot();
  try {
    const first = await makePki(t.host, request());
    assert.ok(first.changed);
    assert.deepEqual(first.files.map((f) => f.action), Array(8).fill("create"));
    const again = await planOn(request(), t.host);
    assert.equal(again.changed, false);
    assert.deepEqual(again.notes, ["kept valid CA"]);
    assert.deepEqual(again.files.map((f) => f.action), Array(8).fill("keep"));
  } finally {
    await t.cleanup();
  }
});

Deno.test("planPki: SAN drift reissues server and peer from the same CA, keeping old names and subject", async () => {
  await withPki(async (t) => {
    const caBefore = t.host.readText(P.caCert);
    const adminBefore = t.host.readText(P.adminCert);
    const plan = await makePki(
      t.host,
      request({ sans: { dns: ["localhost", "node1.example"], ips: ["127.0.0.1", "10.0.0.5"] } }),
    );
    assert.ok(
      plan.notes.includes("reissued server: SAN drift (new node1.example, 10.0.0.5)"),
      plan.notes.join("; "),
    );
    assert.ok(plan.notes.includes("reissued peer: SAN drift (new node1.example, 10.0.0.5)"));
    assert.equal(t.host.readText(P.caCert), caBefore, "same CA");
    assert.equal(t.host.readText(P.adminCert), adminBefore, "admin untouched");
    const server = cert(t.host, P.serverCert);
    assert.deepEqual(certSans(server), {
      dns: ["localhost", "node1.example"],
      ips: ["127.0.0.1", "::1", "10.0.0.5"],
    });
    assert.equal(server.subject, "CN=node1");
    assert.ok(await chainsTo(server, [cert(t.host, P.caCert)]));
    assert.ok(keyMatches(server, parsePrivateKey(t.host.readText(P.serverKey)!, P.serverKey)));
    const backups = [...Deno.readDirSync(t.host.resolve("/etc/etcd/pki/backup"))];
    assert.equal(backups.length, 1, "old files backed up once");
    assert.equal(t.host.stat(`/etc/etcd/pki/backup/${backups[0].name}`)!.mode, 0o700);
    assert.equal(t.host.stat(`/etc/etcd/pki/backup/${backups[0].name}/server.key`)!.mode, 0o600);
  });
});

Deno.test("planPki: leaves expiring within 30 days or expired are reissued; a valid CA is kept", async () => {
  const t = await tempRoot();
  try {
    const old = new Date(Date.now() - 340 * DAY);
    await makePki(t.host, request({ now: old }));
    const plan = await makePki(t.host, request());
    assert.ok(
      plan.notes.some((n) => /^reissued server: expires in 2[45] days$/.test(n)),
      plan.notes.join("; "),
    );
    assert.ok(plan.notes.includes("kept valid CA"));
    assert.ok(cert(t.host, P.serverCert).notAfter.getTime() > Date.now() + 300 * DAY);
    const t2 = await tempRoot();
    try {
      await makePki(t2.host, request({ now: new Date(Date.now() - 400 * DAY) }));
      const p2 = await planOn(request(), t2.host);
      assert.ok(p2.notes.some((n) => n.startsWith("reissued admin: expired on ")), p2.notes.join("; "));
    } finally {
      await t2.cleanup();
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("planPki: a leaf from another CA is reissued; a key that does not match its certificate gets a new certificate", async () => {
  await withTwoPkis(async (t, other) => {
    t.host.writeAtomic(P.peerCert, other.host.readText(P.peerCert)!, { uid: 0, gid: 0, mode: 0o644 });
    t.host.writeAtomic(P.peerKey, other.host.readText(P.peerKey)!, { uid: 4242, gid: 4343, mode: 0o600 });
    const plan = await planOn(request(), t.host);
    assert.ok(
      plan.notes.includes("reissued peer: issued by another CA ('CN=etcdup-ca')"),
      plan.notes.join("; "),
    );

    // a killed renewal leaves the new key beside the old certificate: the certificate is issued for that key
    const strayKey = other.host.readText(P.adminKey)!;
    t.host.writeAtomic(P.adminKey, strayKey, { uid: 0, gid: 0, mode: 0o600 });
    const fixed = await planOn(request(), t.host);
    assert.ok(
      fixed.notes.includes(
        `reissued admin: ${P.adminKey} is not the key of the certificate (an interrupted run?)`,
      ),
      fixed.notes.join("; "),
    );
    const admin = fixed.files.filter((f) => f.role.startsWith("admin-"));
    assert.deepEqual(admin.map((f) => f.action), ["replace", "keep"]);
    assert.ok(
      keyMatches(parseCertificates(admin[0].content, P.adminCert)[0], parsePrivateKey(strayKey, P.adminKey)),
    );
  });
});

Deno.test("planPki: a CA certificate without its key, or with the wrong key, is an error; never replaced", async () => {
  await withTwoPkis(async (t, other) => {
    const caKey = t.host.readText(P.caKey)!;
    t.host.remove(P.caKey);
    const e = await rejectsWith(() => planOn(request(), t.host), "ca-key-missing", Exit.precondition);
    assert.match(
      e.message,
      /the CA certificate \/etc\/etcd\/pki\/ca\.crt is there but its key \/etc\/etcd\/pki\/ca\.key is not/,
    );
    const given = { certPem: t.host.readText(P.caCert)!, keyPem: caKey, source: "export.pem" };
    const restored = await planOn(request({ ca: given }), t.host);
    assert.ok(restored.notes.includes("kept CA certificate; restored its key from the given CA"));
    assert.deepEqual(restored.files.filter((f) => f.action !== "keep").map((f) => f.path), [P.caKey]);
    t.host.writeAtomic(P.caKey, other.host.readText(P.caKey)!, { uid: 0, gid: 0, mode: 0o600 });
    await rejectsWith(() => planOn(request(), t.host), "ca-key-mismatch", Exit.verification);
    t.host.writeAtomic(P.caKey, caKey, { uid: 0, gid: 0, mode: 0o600 });
    t.host.remove(P.caCert);
    await rejectsWith(() => planOn(request(), t.host), "ca-cert-missing", Exit.precondition);
  });
});

Deno.test("planPki: malformed PEM names the file", async () => {
  await withPki(async (t) => {
    const text = t.host.readText(P.serverCert)!;
    t.host.writeAtomic(P.serverCert, text.slice(0, 200) + "\n-----END CERTIFICATE-----\n", {
      uid: 0,
      gid: 0,
      mode: 0o644,
    });
    const e = await rejectsWith(() => planOn(request(), t.host), "bad-pem", Exit.verification);
    assert.match(e.message, /^\/etc\/etcd\/pki\/server\.crt: /);
    t.host.writeAtomic(P.caKey, "not a key\n", { uid: 0, gid: 0, mode: 0o600 });
    const k = await rejectsWith(() => planOn(request(), t.host), "bad-pem");
    assert.match(k.message, /^\/etc\/etcd\/pki\/ca\.key: no PEM private key/);
  });
});

Deno.test("planPki: a given CA is installed on a fresh node, kept when it is the same, refused when it differs", async () => {
  const a = await tempRoot();
  const b = await tempRoot();
  const c = await tempRoot();
  try {
    await makePki(a.host, request());
    const exported = splitCaExport(
      await renderCaExport(a.host.readText(P.caCert)!, a.host.readText(P.caKey)!, new Date()),
      "ca-export.pem",
    );
    const plan = await makePki(b.host, request({ ca: exported }));
    assert.ok(plan.notes.includes("installed the given CA ('CN=etcdup-ca')"), plan.notes.join("; "));
    assert.equal(cert(b.host, P.caCert).serialNumber, cert(a.host, P.caCert).serialNumber);
    assert.ok(await chainsTo(cert(b.host, P.serverCert), [cert(a.host, P.caCert)]));
    assert.equal((await planOn(request({ ca: exported }), b.host)).changed, false);

    await makePki(c.host, request());
    const e = await rejectsWith(
      () => planOn(request({ ca: exported }), c.host),
      "ca-conflict",
      Exit.precondition,
    );
    assert.match(e.message, /\/etc\/etcd\/pki\/ca\.crt holds a different CA/);
    assert.match(e.hint!, /rotate-ca --ca-from/);
  } finally {
    await a.cleanup();
    await b.cleanup();
    await c.cleanup();
  }
});

Deno.test("planPki: takes over a kubeadm-style CA (PKCS#1 RSA key from openssl), writes it as PKCS#8", async () => {
  const t = await tempRoot();
  const dir = await Deno.makeTempDir({ prefix: "etcdup-kubeadm-ca-" });
  try {
    await openssl("genrsa", "-traditional", "-out", `${dir}/ca.key`, "2048");
    await openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      `${dir}/ca.key`,
      "-out",
      `${dir}/ca.crt`,
      "-days",
      "3650",
      "-subj",
      "/CN=etcd-ca",
    );
    const keyPem = await Deno.readTextFile(`${dir}/ca.key`);
    assert.match(keyPem, /BEGIN RSA PRIVATE KEY/);
    const req = request({
      layout: "kubeadm",
      pkiDir: "/etc/kubernetes/pki/etcd",
      ca: { certPem: await Deno.readTextFile(`${dir}/ca.crt`), keyPem, source: `${dir}/ca.crt` },
    });
    await makePki(t.host, req);
    const k = pkiPaths("kubeadm");
    assert.match(t.host.readText(k.caKey)!, /^-----BEGIN PRIVATE KEY-----/);
    const out = await openssl(
      "verify",
      "-CAfile",
      `${dir}/ca.crt`,
      t.host.resolve(k.serverCert),
      t.host.resolve(k.apiserverClientCert!),
    );
    assert.equal(out.trim().split("\n").length, 2, out);
  } finally {
    await t.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planPki: impossible validity, bad SANs and unknown algorithms are usage errors naming the flag", async () => {
  const t = await tempRoot();
  try {
    for (
      const [over, code, re] of [
        [{ certDays: 0 }, "bad-number", /^--cert-days: /],
        [{ caDays: 40_000 }, "bad-number", /^--ca-days: /],
        [{ certDays: 4000 }, "cert-outlives-ca", /^--cert-days 4000 is longer than --ca-days 3650/],
        [{ sans: { dns: ["bad name!"], ips: [] } }, "bad-san", /^--san: 'bad name!'/],
        [{ sans: { dns: [], ips: ["10.0.0.300"] } }, "bad-san", /^--san: '10\.0\.0\.300'/],
      ] as [Partial<PkiRequest>, string, RegExp][]
    ) {
      const e = await rejectsWith(() => planOn(request(over), t.host), code, Exit.usage);
      assert.match(e.message, re);
    }
    assert.throws(
      () => parseKeyAlgorithm("dsa-1024"),
      (e: EtcdupError) =>
        e.code === "bad-key-algorithm" && e.exit === Exit.usage &&
        /--key-algorithm: unknown key algorithm 'dsa-1024'/.test(e.message) &&
        /ecdsa-p256/.test(e.hint!),
    );
    assert.equal(parseKeyAlgorithm("ED25519"), "ed25519");
    assert.equal(t.host.stat("/etc/etcd/pki"), undefined, "nothing written");
  } finally {
    await t.cleanup();
  }
});

Deno.test("planPki: a world-readable key and a wrong owner are repaired in place (fix-owner), content kept", async () => {
  await withPki(async (t) => {
    const before = t.host.readText(P.serverKey);
    t.host.setOwnership(P.serverKey, { uid: 0, gid: 0, mode: 0o644 });
    const plan = await planOn(request(), t.host);
    assert.deepEqual(plan.files.filter((f) => f.action !== "keep").map((f) => [f.path, f.action]), [[
      P.serverKey,
      "fix-owner",
    ]]);
    const result = writeOn(plan, t.host, new Date());
    const st = t.host.stat(P.serverKey)!;
    assert.deepEqual([st.mode, st.uid, st.gid], [0o600, 4242, 4343]);
    assert.equal(t.host.readText(P.serverKey), before);
    assert.deepEqual(result.backups, []);
  });
});

Deno.test("restorePki puts replaced files back and removes created ones", async () => {
  await withPki(async (t) => {
    const server = t.host.readText(P.serverCert);
    const plan = await planOn(request({ reissue: ["server"] }), t.host);
    const applied = writeOn(plan, t.host, new Date());
    assert.notEqual(t.host.readText(P.serverCert), server);
    restorePki(applied, t.host);
    assert.equal(t.host.readText(P.serverCert), server);
  });
});

Deno.test("normalizeIp canonicalizes IPv4 and IPv6 and rejects non-addresses", () => {
  assert.equal(normalizeIp("0:0:0:0:0:0:0:1"), "::1");
  assert.equal(normalizeIp("[FD00::0002]"), "fd00::2");
  assert.equal(normalizeIp("10.0.0.5"), "10.0.0.5");
  assert.equal(normalizeIp("010.0.0.5"), undefined);
  assert.equal(normalizeIp("etcd.example"), undefined);
});

for (const alg of ["rsa-2048", "ecdsa-p384", "ed25519"] as const) {
  Deno.test(`planPki: renewal with reuseKeys keeps a ${alg} key and the new certificate matches it`, async () => {
    const t = await tempRoot();
    try {
      await makePki(t.host, request({ algorithm: alg }));
      const key = t.host.readText(P.serverKey);
      const serial = cert(t.host, P.serverCert).serialNumber;
      const plan = await makePki(t.host, request({ algorithm: alg, reissue: ["server"], reuseKeys: true }));
      assert.ok(plan.notes.includes("reissued server: renewal requested"), plan.notes.join("; "));
      assert.equal(t.host.readText(P.serverKey), key);
      const renewed = cert(t.host, P.serverCert);
      assert.notEqual(renewed.serialNumber, serial);
      assert.ok(keyMatches(renewed, parsePrivateKey(key!, P.serverKey)));
    } finally {
      await t.cleanup();
    }
  });
}

Deno.test("verifyPlan refuses a new certificate that does not verify against the CA or does not match its key", async () => {
  await withTwoPkis(async (t, other) => {
    const plan = await planOn(request({ reissue: ["server"] }), t.host);
    await verifyPlan(plan);
    const swapKey = {
      ...plan,
      files: plan.files.map((f) =>
        f.role === "server-key" ? { ...f, content: other.host.readText(P.serverKey)! } : f
      ),
    };
    const e = await rejectsWith(() => verifyPlan(swapKey), "renewal-unsafe", Exit.verification);
    assert.match(
      e.message,
      /the new \/etc\/etcd\/pki\/server\.crt does not match its key; nothing was replaced/,
    );
    const foreign = {
      ...plan,
      files: plan.files.map((f) =>
        f.role === "server-cert" ? { ...f, content: other.host.readText(P.serverCert)! } : f
      ),
    };
    await rejectsWith(() => verifyPlan(foreign), "renewal-unsafe");
  });
});

Deno.test("observePki names root and etcd owners (etcd only when its ids are given) and records a symlink without refusing it", async () => {
  await withPki(async (t) => {
    const seen = observe(t.host);
    const names = (o: ObservedPki, p: string) => (o.files[p] as { names: string[] }).names;
    assert.deepEqual([names(seen, P.caKey), names(seen, P.serverKey)], [["root"], ["etcd"]]);
    assert.deepEqual(names(observePki(t.host, request()), P.serverKey), [], "no etcd account: nobody's ids");
    assert.deepEqual(seen.dirCerts, [P.adminCert, P.caCert, P.peerCert, P.serverCert]);
    fs.renameSync(path.join(t.root, P.adminKey), path.join(t.root, "/etc/etcd/admin.key"));
    fs.symlinkSync("../admin.key", path.join(t.root, P.adminKey));
    const linked = observe(t.host).files[P.adminKey];
    assert.ok(!linked.missing && linked.isSymlink && linked.text?.includes("PRIVATE KEY"));
    await rejectsWith(() => planOn(request(), t.host), "pki-file-is-symlink", Exit.precondition);
  });
});

Deno.test("lifetimes: the flags' defaults (their one place) pass the rule install and the certs commands share", () => {
  assert.deepEqual([pkiFlags["cert-days"].default, pkiFlags["ca-days"].default], ["365", "3650"]);
  checkLifetimes(Number(pkiFlags["cert-days"].default), Number(pkiFlags["ca-days"].default));
  for (
    const [cert, ca, code] of [[0, 3650, "bad-number"], [365, MAX_DAYS + 1, "bad-number"], [
      4000,
      3650,
      "cert-outlives-ca",
    ]] as [number, number, string][]
  ) {
    assert.throws(
      () => checkLifetimes(cert, ca),
      (e: EtcdupError) => e.code === code && e.exit === Exit.usage,
      `${cert}/${ca}`,
    );
  }
});
