/**
 * Every key algorithm, checked by openssl as the independent verifier: each chain verifies (strictly, with
 * GnuTLS certtool too), and `openssl x509 -text` shows the SANs, extended key usages, key usages
 * (keyEncipherment only for RSA with serverAuth), CA constraints, identifiers (a CA's AKI = its SKI),
 * serial size and validity expected; keys are PKCS#8 with the documented owners and modes.
 */
import assert from "node:assert/strict";
import { KEY_ALGORITHMS } from "../../lib/pki/algorithms.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { assertStrictlyValid, makePki, openssl, request, tempRoot, x509Text } from "./helpers.ts";

/** The hex of an "X509v3 <name>:" block's first value line. */
function extValue(text: string, name: string): string {
  const m = text.match(new RegExp(`X509v3 ${name}:.*\\n\\s*(.+)`));
  return m ? m[1].trim() : "";
}

/** Not Before / Not After as dates. */
function window(text: string): { notBefore: Date; notAfter: Date } {
  const nb = text.match(/Not Before: (.+)/)![1];
  const na = text.match(/Not After : (.+)/)![1];
  return { notBefore: new Date(nb), notAfter: new Date(na) };
}

for (const alg of KEY_ALGORITHMS) {
  Deno.test(`pki ${alg}: openssl verifies every chain and shows the expected extensions`, async () => {
    const t = await tempRoot();
    try {
      const now = new Date();
      await makePki(
        t.host,
        request({
          algorithm: alg,
          now,
          sans: { dns: ["localhost", "etcd.test"], ips: ["127.0.0.1", "::1", "10.1.2.3"] },
        }),
      );
      const p = pkiPaths("etcd", "/etc/etcd/pki");
      const real = (f: string) => t.host.resolve(f);
      const ok = await openssl(
        "verify",
        "-CAfile",
        real(p.caCert),
        real(p.serverCert),
        real(p.peerCert),
        real(p.adminCert),
      );
      assert.deepEqual(ok.trim().split("\n").filter((l) => l.endsWith(": OK")).length, 3, ok);

      const ca = await x509Text(real(p.caCert));
      assert.match(ca, /X509v3 Basic Constraints: critical\n\s*CA:TRUE/);
      assert.match(ca, /X509v3 Key Usage: critical\n\s*Certificate Sign, CRL Sign/);
      const caSki = extValue(ca, "Subject Key Identifier");
      assert.ok(caSki.length > 0, "CA has a subject key identifier");
      assert.deepEqual(extValue(ca, "Authority Key Identifier"), caSki, "CA AKI = its own SKI");
      await assertStrictlyValid(real(p.caCert), real(p.caCert), [undefined]);
      const caWin = window(ca);
      assert.ok(
        Math.abs(caWin.notAfter.getTime() - now.getTime() - 3650 * 86_400_000) < 120_000,
        "CA valid 3650 days",
      );

      const rsa = alg.startsWith("rsa-");
      for (
        const [file, eku] of [
          [p.serverCert, "TLS Web Server Authentication, TLS Web Client Authentication"],
          [p.peerCert, "TLS Web Server Authentication, TLS Web Client Authentication"],
          [p.adminCert, "TLS Web Client Authentication"],
        ]
      ) {
        const text = await x509Text(real(file));
        const serves = file !== p.adminCert;
        await assertStrictlyValid(real(p.caCert), real(file), serves ? ["server", "client"] : ["client"]);
        assert.deepEqual(extValue(text, "Extended Key Usage"), eku, file);
        assert.match(text, /X509v3 Basic Constraints: critical\n\s*CA:FALSE/);
        assert.match(
          text,
          rsa && serves
            ? /Key Usage: critical\n\s*Digital Signature, Key Encipherment\n/
            : /Key Usage: critical\n\s*Digital Signature\n/,
          `${file}: keyEncipherment only for an RSA key with serverAuth`,
        );
        assert.deepEqual(
          extValue(text, "Authority Key Identifier").replace(/^keyid:/, ""),
          caSki,
          `${file} AKI = CA SKI`,
        );
        assert.ok(extValue(text, "Subject Key Identifier").length > 0);
        const serial = text.match(/Serial Number:\s*\n?\s*([0-9a-f:]+)/)![1].replace(/:/g, "");
        assert.deepEqual(serial.length, 32, "128-bit serial");
        assert.ok(parseInt(serial[0], 16) < 8, "positive serial");
        const win = window(text);
        const back = now.getTime() - win.notBefore.getTime();
        assert.ok(
          back >= 4 * 60_000 && back <= 6 * 60_000,
          `NotBefore backdated ~5 minutes (was ${back} ms)`,
        );
        assert.ok(
          Math.abs(win.notAfter.getTime() - now.getTime() - 365 * 86_400_000) < 120_000,
          "leaf valid 365 days",
        );
        if (file === p.adminCert) {
          assert.match(text, /Subject: CN\s?=\s?admin/);
          assert.ok(!text.includes("Subject Alternative Name"), "admin has no SANs");
        } else {
          assert.deepEqual(
            extValue(text, "Subject Alternative Name"),
            "DNS:localhost, DNS:etcd.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.1.2.3",
          );
          assert.match(text, /Subject: CN\s?=\s?node1/);
        }
      }
      const keyAlgo: Record<string, RegExp> = {
        "ecdsa-p256": /ASN1 OID: prime256v1/,
        "ecdsa-p384": /ASN1 OID: secp384r1/,
        "rsa-2048": /Public-Key: \(2048 bit\)/,
        "rsa-3072": /Public-Key: \(3072 bit\)/,
        "rsa-4096": /Public-Key: \(4096 bit\)/,
        "ed25519": /Public Key Algorithm: ED25519/,
      };
      assert.match(await x509Text(real(p.serverCert)), keyAlgo[alg]);

      for (
        const [key, uid, gid] of [[p.caKey, 0, 0], [p.serverKey, 4242, 4343], [p.peerKey, 4242, 4343], [
          p.adminKey,
          0,
          0,
        ]] as const
      ) {
        assert.match(
          await Deno.readTextFile(real(key)),
          /^-----BEGIN PRIVATE KEY-----\n/,
          `${key} is PKCS#8`,
        );
        await openssl("pkey", "-in", real(key), "-noout");
        const st = t.host.stat(key)!;
        assert.deepEqual([st.mode, st.uid, st.gid], [0o600, uid, gid], key);
      }
      for (const cert of [p.caCert, p.serverCert, p.peerCert, p.adminCert]) {
        const st = t.host.stat(cert)!;
        assert.deepEqual([st.mode, st.uid, st.gid], [0o644, 0, 0], cert);
      }
      assert.deepEqual(t.host.stat(p.dir)!.mode, 0o755);
    } finally {
      await t.cleanup();
    }
  });
}

Deno.test("pki kubeadm layout: kubeadm's paths and CNs, openssl verifies the API server client too", async () => {
  const t = await tempRoot();
  try {
    await makePki(t.host, request({ layout: "kubeadm", pkiDir: "/etc/kubernetes/pki/etcd" }));
    const dir = t.host.resolve("/etc/kubernetes/pki");
    const ok = await openssl(
      "verify",
      "-CAfile",
      `${dir}/etcd/ca.crt`,
      `${dir}/etcd/server.crt`,
      `${dir}/etcd/peer.crt`,
      `${dir}/etcd/healthcheck-client.crt`,
      `${dir}/apiserver-etcd-client.crt`,
    );
    assert.deepEqual(ok.trim().split("\n").length, 4, ok);
    assert.match(await x509Text(`${dir}/etcd/ca.crt`), /Subject: CN\s?=\s?etcd-ca/);
    assert.match(
      await x509Text(`${dir}/etcd/healthcheck-client.crt`),
      /Subject: CN\s?=\s?kube-etcd-healthcheck-client, O\s?=\s?system:masters/,
    );
    const api = await x509Text(`${dir}/apiserver-etcd-client.crt`);
    assert.match(api, /Subject: CN\s?=\s?kube-apiserver-etcd-client, O\s?=\s?system:masters/);
    assert.deepEqual(extValue(api, "Extended Key Usage"), "TLS Web Client Authentication");
    assert.deepEqual(t.host.stat("/etc/kubernetes/pki/apiserver-etcd-client.key")!.mode, 0o600);
  } finally {
    await t.cleanup();
  }
});
