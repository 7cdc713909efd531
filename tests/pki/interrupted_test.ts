/**
 * What a killed run leaves in the PKI, and how the next plan finishes it: a CA key without its certificate
 * gets one (unless a certificate was signed by that key), a CA certificate whose key only survives in an
 * orphan temp file gets that key back (runs older than the key-first order), a leaf key without its
 * certificate gets a certificate for that key. No new key is made where one is on disk.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { keyMatches } from "../../lib/pki/match.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { parseCertificates, parsePrivateKey } from "../../lib/pki/pem.ts";

import { makePki, planOn, request, type TempRoot, tempRoot, withPki, writeOn } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");

function matches(certPem: string, keyPem: string): boolean {
  return keyMatches(parseCertificates(certPem, "cert")[0], parsePrivateKey(keyPem, "key"));
}

async function withFresh(body: (t: TempRoot) => Promise<void>): Promise<void> {
  const t = await tempRoot();
  try {
    await body(t);
  } finally {
    await t.cleanup();
  }
}

Deno.test("interrupted PKI: a CA key alone gets its certificate; the leaves are issued from it", () =>
  withPki((made) =>
    withFresh(async (t) => {
      const caKey = made.host.readText(P.caKey)!;
      t.host.ensureDir(P.dir, { uid: 0, gid: 0, mode: 0o755 });
      t.host.writeAtomic(P.caKey, caKey, { uid: 0, gid: 0, mode: 0o600 });
      const plan = await planOn(request(), t.host);
      assert.ok(plan.notes.some((n) =>
        n.startsWith("issued the CA certificate for the CA key an interrupted run left")
      ));
      const ca = plan.files.filter((f) =>
        f.role.startsWith("ca-")
      );
      assert.deepEqual(ca.map((f) => [f.role, f.action]), [["ca-cert", "create"], ["ca-key", "keep"]]);
      assert.ok(matches(ca[0].content, caKey));
      writeOn(plan, t.host, new Date());
      assert.equal(t.host.readText(P.caKey), caKey);
      assert.equal((await planOn(request(), t.host)).changed, false);
    })
  ));

Deno.test("interrupted PKI: a CA certificate gets back its key from an orphan temp file, cut-short ones ignored", () =>
  withPki(async (t) => {
    const caKey = t.host.readText(P.caKey)!;
    t.host.remove(P.caKey);
    const dir = path.join(t.root, P.dir);
    fs.writeFileSync(path.join(dir, ".ca.key.etcdup-999999998-aaaaaaaaaaaa.tmp"), caKey.slice(0, 60), {
      mode: 0o600,
    });
    fs.writeFileSync(path.join(dir, ".ca.key.etcdup-999999999-bbbbbbbbbbbb.tmp"), caKey, { mode: 0o600 });
    const plan = await planOn(request(), t.host);
    assert.ok(
      plan.notes.some((n) => n.includes("put back its key from /etc/etcd/pki/.ca.key.etcdup-999999999")),
    );
    const key = plan.files.find((f) => f.role === "ca-key")!;
    assert.deepEqual([key.action, key.content, key.mode], ["create", caKey, 0o600]);
    assert.ok(plan.files.filter((f) => f.role !== "ca-key").every((f) => f.action === "keep"), "leaves kept");
  }));

Deno.test("interrupted PKI: a leaf key without its certificate gets a certificate for that very key", () =>
  withFresh(async (t) => {
    await makePki(t.host, request());
    const peerKey = t.host.readText(P.peerKey)!;
    t.host.remove(P.peerCert);
    const plan = await planOn(request(), t.host);
    assert.ok(
      plan.notes.includes("reissued peer: certificate missing beside its key"),
      plan.notes.join("; "),
    );
    const peer = plan.files.filter((f) => f.role.startsWith("peer-"));
    assert.deepEqual(peer.map((f) => f.action), ["create", "keep"]);
    assert.ok(matches(peer[0].content, peerKey));
  }));
