/**
 * The `etcdup certs` commands run as the user runs them (tests/shipping's runner: `deno run main.ts`, or
 * the compiled binary named by ETCDUP_BIN), on temp `--root` trees: check flags each kind of problem with
 * its own message and exit 6; renew fixes SAN drift after a host rename and refuses unsafe states; issue-
 * client and export write safe files; bad flags exit 2 naming the flag.
 */
import assert from "node:assert/strict";
import { readState, writeState } from "../../lib/host/state.ts";
import type { InstallState } from "../../lib/state_record.ts";
import { currentFile } from "../../lib/host/file_writes.ts";
import { gatherFacts } from "../../lib/host/facts.ts";
import { splitCaExport } from "../../lib/pki/export.ts";
import { hostSans } from "../../lib/pki/hostsans.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { parseCertificates, parsePrivateKey } from "../../lib/pki/pem.ts";
import { keyMatches } from "../../lib/pki/match.ts";
import { loadCa } from "../../lib/pki/ca.ts";

import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { assertRefused } from "../support/refusal.ts";
import { addClient, hostRoot, makePki, openssl, planOn, request, tempRoot, writeOn } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const DAY = 86_400_000;

/** The JSON result line of a --json run. */
function resultOf(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.event === "result");
  assert.ok(line, `no result event in:\n${stdout}`);
  return line.result;
}

Deno.test("certs check: a healthy PKI passes with exit 0; the table names every certificate", async () => {
  const t = await hostRoot("pkitest");
  try {
    await addClient(t.host, "backup", new Date(), 365);
    const r = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no problems found/);
    for (const role of ["ca", "server", "peer", "admin", "client:backup"]) {
      assert.match(r.stdout, new RegExp(`^${role} `, "m"));
    }
    assert.match(r.stdout, /SANs: localhost, pkitest, 127\.0\.0\.1/);
    assert.doesNotMatch(
      r.stdout,
      /SANs: [^\n]*, ::1(,|$)/m,
      "no ::1: an IPv4 member's etcd does not listen there",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs check: expired, expiring, wrong CA, key mismatch and world-readable key each get their own message; exit 6", async () => {
  const t = await hostRoot("pkitest");
  const other = await tempRoot();
  try {
    await makePki(other.host, request());
    // server: expired (reissued as if 400 days ago, for 365 days)
    const past = new Date(Date.now() - 400 * DAY);
    writeOn(
      await planOn(
        request({
          memberName: "pkitest",
          sans: hostSans(gatherFacts(t.host)),
          now: past,
          reissue: ["server"],
        }),
        t.host,
      ),
      t.host,
      past,
    );
    // peer: issued by another CA
    t.host.writeAtomic(P.peerCert, other.host.readText(P.peerCert)!, { uid: 0, gid: 0, mode: 0o644 });
    t.host.writeAtomic(P.peerKey, other.host.readText(P.peerKey)!, { uid: 4242, gid: 4343, mode: 0o600 });
    // admin: key does not match
    t.host.writeAtomic(P.adminKey, other.host.readText(P.adminKey)!, { uid: 0, gid: 0, mode: 0o600 });
    // client mon: expires in ~10 days; client ro: world-readable key
    await addClient(t.host, "mon", new Date(Date.now() - 355 * DAY), 365);
    await addClient(t.host, "ro", new Date(), 365);
    t.host.setOwnership("/etc/etcd/pki/ro.key", { uid: 0, gid: 0, mode: 0o644 });

    const r = await runEtcdup(["certs", "check", "--root", t.root, "--json"]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    const problems = (resultOf(r.stdout).problems as { role: string; code: string; message: string }[])
      .map((p) => `${p.role} ${p.code} ${p.message}`);
    const expect = [
      /^server expired \/etc\/etcd\/pki\/server\.crt expired on /,
      /^peer wrong-ca \/etc\/etcd\/pki\/peer\.crt \(issuer 'CN=etcdup-ca'\) does not chain to the CA/,
      /^admin key-mismatch \/etc\/etcd\/pki\/admin\.key is not the private key of \/etc\/etcd\/pki\/admin\.crt/,
      /^client:mon expiring \/etc\/etcd\/pki\/mon\.crt expires in (9|10) days .* within the 30-day window/,
      /^client:ro key-readable \/etc\/etcd\/pki\/ro\.key is mode 0644: group\/other can read the private key/,
      /^peer san-drift /, // the foreign peer was issued for another host's names
    ];
    for (const re of expect) {
      assert.ok(problems.some((p) => re.test(p)), `${re} not in:\n${problems.join("\n")}`);
    }
    assert.equal(problems.length, expect.length, problems.join("\n"));

    const human = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.equal(human.code, 6);
    assert.match(human.stdout, /6 problem\(s\):/);
    assert.match(human.stdout, /\[key-mismatch\]/);

    // renew issues the admin certificate for the key on disk (what a renewal killed between the two leaves)
    const adminKey = t.host.readText(P.adminKey)!;
    const renew = await runEtcdup(["certs", "renew", "--root", t.root]);
    assert.equal(renew.code, 0, renew.stderr);
    assert.match(renew.stdout + renew.stderr, /admin\.key is not the key of the certificate/);
    assert.equal(t.host.readText(P.adminKey), adminKey, "the admin key on disk is kept");
    assert.ok(
      keyMatches(
        parseCertificates(t.host.readText(P.adminCert)!, P.adminCert)[0],
        parsePrivateKey(adminKey, "admin"),
      ),
    );
  } finally {
    await t.cleanup();
    await other.cleanup();
  }
});

Deno.test("certs check flags SAN drift after a host rename; certs renew fixes it from the same CA", async () => {
  const t = await hostRoot("oldname");
  try {
    t.host.writeAtomic("/etc/hostname", "newname\n", { uid: 0, gid: 0, mode: 0o644 });
    const r = await runEtcdup(["certs", "check", "--root", t.root, "--san", "10.99.0.5"]);
    assert.equal(r.code, 6, r.stdout);
    assert.match(
      r.stdout,
      /\[san-drift\] \/etc\/etcd\/pki\/server\.crt does not cover this host's current name\(s\) newname, 10\.99\.0\.5/,
    );
    assert.match(r.stdout, /\[san-drift\] \/etc\/etcd\/pki\/peer\.crt does not cover/);

    const ca = t.host.readText(P.caCert);
    const renew = await runEtcdup([
      "certs",
      "renew",
      "server",
      "peer",
      "--root",
      t.root,
      "--san",
      "10.99.0.5",
    ]);
    assert.equal(renew.code, 0, renew.stderr);
    assert.match(renew.stderr, /reissued server: renewal requested|reissued server: SAN drift/);
    assert.match(renew.stdout, /not restarted \(--root\)/);
    assert.equal(t.host.readText(P.caCert), ca, "same CA");
    const text = await openssl(
      "x509",
      "-in",
      t.host.resolve(P.serverCert),
      "-noout",
      "-ext",
      "subjectAltName,subjectKeyIdentifier",
    );
    assert.match(text, /DNS:oldname/, "old names kept");
    assert.match(text, /DNS:newname/);
    assert.match(text, /IP Address:10\.99\.0\.5/);
    const after = await runEtcdup(["certs", "check", "--root", t.root, "--san", "10.99.0.5"]);
    assert.equal(after.code, 0, after.stdout);
    assert.ok([...Deno.readDirSync(t.host.resolve("/etc/etcd/pki/backup"))].length === 1, "backup kept");
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --reset-sans after a host rename: server and peer drop the old name; only with server or peer", async () => {
  const t = await hostRoot("oldname");
  try {
    t.host.writeAtomic("/etc/hostname", "newname\n", { uid: 0, gid: 0, mode: 0o644 });
    const renew = await runEtcdup(["certs", "renew", "--reset-sans", "--san", "10.99.0.6", "--root", t.root]);
    assert.equal(renew.code, 0, renew.stderr);
    for (const file of [P.serverCert, P.peerCert]) {
      const sans = await openssl("x509", "-in", t.host.resolve(file), "-noout", "-ext", "subjectAltName");
      assert.doesNotMatch(sans, /DNS:oldname/, `${file} dropped the old name`);
      assert.match(sans, /DNS:newname/);
      assert.match(sans, /IP Address:10\.99\.0\.6/);
    }
    const after = await runEtcdup(["certs", "check", "--root", t.root, "--san", "10.99.0.6"]);
    assert.equal(after.code, 0, after.stdout);

    const adminOnly = ["certs", "renew", "admin", "--reset-sans", "--root", t.root, "--json"];
    assertRefused(
      await runEtcdup(adminOnly),
      2,
      "reset-sans-unused",
      /--reset-sans: only server and peer certificates carry the host's names/,
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --reuse-keys keeps keys; renew NAME renews a client keeping its subject", async () => {
  const t = await hostRoot("pkitest");
  try {
    await addClient(t.host, "backup", new Date(), 365);
    const key = t.host.readText(P.adminKey);
    const serial = parseCertificates(t.host.readText(P.adminCert)!, "admin")[0].serialNumber;
    const r = await runEtcdup(["certs", "renew", "admin", "backup", "--reuse-keys", "--root", t.root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(t.host.readText(P.adminKey), key, "admin key kept");
    assert.notEqual(parseCertificates(t.host.readText(P.adminCert)!, "admin")[0].serialNumber, serial);
    const backup = parseCertificates(t.host.readText("/etc/etcd/pki/backup.crt")!, "backup")[0];
    assert.equal(backup.subject, "CN=backup");
    const ok = await openssl(
      "verify",
      "-CAfile",
      t.host.resolve(P.caCert),
      t.host.resolve("/etc/etcd/pki/backup.crt"),
    );
    assert.match(ok, /OK/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs issue-client writes 0644/0600 files, prints how to use them, and refuses to overwrite", async () => {
  const t = await hostRoot("pkitest");
  try {
    const r = await runEtcdup([
      "certs",
      "issue-client",
      "kube-apiserver",
      "--cn",
      "kube-apiserver-etcd-client",
      "--org",
      "system:masters",
      "--days",
      "90",
      "--root",
      t.root,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /ETCDCTL_CERT=\/etc\/etcd\/pki\/kube-apiserver\.crt ETCDCTL_KEY=\/etc\/etcd\/pki\/kube-apiserver\.key/,
    );
    assert.match(r.stdout, /ETCDCTL_CACERT=\/etc\/etcd\/pki\/ca\.crt/);
    assert.match(r.stdout, /--etcd-certfile=\/etc\/etcd\/pki\/kube-apiserver\.crt/);
    assert.equal(t.host.stat("/etc/etcd/pki/kube-apiserver.key")!.mode, 0o600);
    assert.equal(t.host.stat("/etc/etcd/pki/kube-apiserver.crt")!.mode, 0o644);
    const text = await openssl(
      "x509",
      "-in",
      t.host.resolve("/etc/etcd/pki/kube-apiserver.crt"),
      "-noout",
      "-subject",
      "-enddate",
      "-ext",
      "extendedKeyUsage",
    );
    assert.match(text, /subject=CN\s?=\s?kube-apiserver-etcd-client, O\s?=\s?system:masters/);
    assert.match(text, /TLS Web Client Authentication/);
    const end = new Date(text.match(/notAfter=(.+)/)![1]);
    assert.ok(Math.abs(end.getTime() - Date.now() - 90 * DAY) < 600_000, "90 days");
    const again = ["certs", "issue-client", "kube-apiserver", "--root", t.root, "--json"];
    assertRefused(await runEtcdup(again), 7, "client-exists", /kube-apiserver\.crt already exists/);
    const reserved = ["certs", "issue-client", "server", "--root", t.root, "--json"];
    assertRefused(
      await runEtcdup(reserved),
      2,
      "bad-client-name",
      /client name 'server' is one of the layout's own certificates/,
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs export writes CA cert + key in one 0600 file that --ca-from reads; no overwrite without --force", async () => {
  const t = await hostRoot("pkitest");
  const out = await Deno.makeTempDir({ prefix: "etcdup-export-" });
  try {
    const file = `${out}/ca.pem`;
    const r = await runEtcdup(["certs", "export", "--out", file, "--root", t.root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await Deno.stat(file)).mode! & 0o7777, 0o600);
    const src = splitCaExport(await Deno.readTextFile(file), file);
    const ca = await loadCa(src.certPem, src.keyPem, { cert: file, key: file }, new Date());
    assert.equal(
      ca.signer.cert.serialNumber,
      parseCertificates(t.host.readText(P.caCert)!, "ca")[0].serialNumber,
    );
    const again = ["certs", "export", "--out", file, "--root", t.root, "--json"];
    assertRefused(await runEtcdup(again), 7, "out-exists", /already exists/);
    assert.equal((await runEtcdup(["certs", "export", "--out", file, "--force", "--root", t.root])).code, 0);
    const missing = ["certs", "export", "--root", t.root, "--json"];
    assertRefused(await runEtcdup(missing), 2, "missing-out", /--out FILE is required/);
  } finally {
    await t.cleanup();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("certs: a CA without its key, unknown algorithms, impossible validity and a missing PKI are clear errors", async () => {
  const t = await hostRoot("pkitest");
  try {
    const alg = ["certs", "renew", "--key-algorithm", "dsa-1024", "--root", t.root, "--json"];
    assertRefused(
      await runEtcdup(alg),
      2,
      "bad-key-algorithm",
      /--key-algorithm: unknown key algorithm 'dsa-1024'/,
    );
    const days = ["certs", "renew", "--cert-days", "0", "--root", t.root, "--json"];
    assertRefused(await runEtcdup(days), 2, "bad-number", /--cert-days: '0'/);
    const san = ["certs", "renew", "--san", "10.0.0.300", "--root", t.root, "--json"];
    assertRefused(await runEtcdup(san), 2, "bad-san", /--san: '10\.0\.0\.300' is not an IP address/);
    const nodir = ["certs", "check", "--root", t.root, "--pki-dir", "/srv/nothing", "--json"];
    assertRefused(await runEtcdup(nodir), 7, "no-pki", /no PKI directory at .*\/srv\/nothing/);
    t.host.remove(P.caKey);
    const nokey = ["certs", "renew", "--root", t.root, "--json"];
    assertRefused(await runEtcdup(nokey), 7, "no-ca", /ca\.key does not exist/);
    const check = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.equal(check.code, 6);
    assert.match(
      check.stdout,
      /\[key-missing\] \/etc\/etcd\/pki\/ca\.key \(the key of \/etc\/etcd\/pki\/ca\.crt\) does not exist/,
    );
    t.host.writeAtomic(P.serverCert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", {
      uid: 0,
      gid: 0,
      mode: 0o644,
    });
    const bad = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.match(bad.stdout, /\[bad-pem\] \/etc\/etcd\/pki\/server\.crt: certificate #1 is not valid DER/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs commands find the PKI through the install record and keep its file hashes current", async () => {
  const t = await tempRoot();
  try {
    const dir = "/srv/pki";
    await makePki(
      t.host,
      request({ pkiDir: dir, memberName: "recorded", sans: hostSans(gatherFacts(t.host)) }),
    );
    const paths = pkiPaths("etcd", dir);
    const files = Object.fromEntries(
      [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey].map((
        p,
      ) => [p, currentFile(t.host, p)!]),
    );
    const state: InstallState = {
      schema: 1,
      version: "v3.5.30",
      arch: "amd64",
      binDir: "/usr/local/bin",
      dataDir: "/var/lib/etcd",
      pkiDir: dir,
      layout: "etcd",
      keyAlgorithm: "ed25519",
      name: "recorded",
      clientUrls: ["https://127.0.0.1:2379"],
      peerUrls: ["https://127.0.0.1:2380"],
      sans: { dns: ["etcd.recorded.test"], ips: [] },
      initialCluster: "recorded=https://127.0.0.1:2380",
      initialClusterState: "new",
      clusterToken: "t",
      unit: "etcd.service",
      files,
      dirs: [],
      updatedAt: new Date().toISOString(),
    };
    writeState(t.host, state);
    const check = await runEtcdup(["certs", "check", "--root", t.root]);
    assert.equal(check.code, 6, check.stdout);
    assert.match(check.stdout, /^PKI \/srv\/pki /m);
    assert.match(
      check.stdout,
      /server\.crt does not cover this host's current name\(s\) etcd\.recorded\.test/,
    );

    const renew = await runEtcdup(["certs", "renew", "server", "--root", t.root]);
    assert.equal(renew.code, 0, renew.stderr);
    const text = await openssl("x509", "-in", t.host.resolve(paths.serverCert), "-noout", "-text");
    assert.match(text, /DNS:etcd\.recorded\.test/);
    assert.match(text, /ED25519/, "new key of the recorded algorithm");
    const after = readState(t.host)!;
    assert.deepEqual(after.files[paths.serverCert], currentFile(t.host, paths.serverCert));
    assert.notEqual(after.files[paths.serverCert].sha256, files[paths.serverCert].sha256);
    assert.deepEqual(after.files[paths.caCert], files[paths.caCert], "CA untouched");
    assert.equal((await runEtcdup(["certs", "check", "--root", t.root])).code, 0);

    const reset = await runEtcdup(["certs", "renew", "server", "peer", "--reset-sans", "--root", t.root]);
    assert.equal(reset.code, 0, reset.stderr);
    const reissued = await openssl("x509", "-in", t.host.resolve(paths.serverCert), "-noout", "-text");
    assert.doesNotMatch(
      reissued,
      /DNS:etcd\.recorded\.test/,
      "--reset-sans drops recorded names not given again",
    );
    assert.deepEqual(
      readState(t.host)!.sans,
      hostSans(gatherFacts(t.host)),
      "the record wants the new names",
    );
    assert.equal(
      (await runEtcdup(["certs", "check", "--root", t.root])).code,
      0,
      "check agrees with the record",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs with --layout kubeadm: check covers the API server client; renew names only the layout's roles", async () => {
  const t = await tempRoot();
  try {
    t.host.ensureDir("/etc", { uid: 0, gid: 0, mode: 0o755 });
    t.host.writeAtomic("/etc/hostname", "cp1\n", { uid: 0, gid: 0, mode: 0o644 });
    await makePki(
      t.host,
      request({
        layout: "kubeadm",
        pkiDir: "/etc/kubernetes/pki/etcd",
        memberName: "cp1",
        sans: hostSans(gatherFacts(t.host)),
      }),
    );
    const check = await runEtcdup(["certs", "check", "--layout", "kubeadm", "--root", t.root]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /^apiserver-client\s+CN=kube-apiserver-etcd-client, O=system:masters/m);
    assert.match(check.stdout, /\/etc\/kubernetes\/pki\/apiserver-etcd-client\.crt/);
    const before = t.host.readText("/etc/kubernetes/pki/apiserver-etcd-client.crt");
    const renew = await runEtcdup([
      "certs",
      "renew",
      "apiserver-client",
      "--layout",
      "kubeadm",
      "--root",
      t.root,
    ]);
    assert.equal(renew.code, 0, renew.stderr);
    assert.notEqual(t.host.readText("/etc/kubernetes/pki/apiserver-etcd-client.crt"), before);
    const ok = await openssl(
      "verify",
      "-CAfile",
      t.host.resolve("/etc/kubernetes/pki/etcd/ca.crt"),
      t.host.resolve("/etc/kubernetes/pki/apiserver-etcd-client.crt"),
    );
    assert.match(ok, /: OK/);
    const wrong = [
      "certs",
      "renew",
      "apiserver-client",
      "--root",
      t.root,
      "--pki-dir",
      "/etc/kubernetes/pki/etcd",
      "--json",
    ];
    assertRefused(
      await runEtcdup(wrong),
      2,
      "unknown-certificate",
      /no certificate 'apiserver-client' in the etcd layout/,
    );
  } finally {
    await t.cleanup();
  }
});
