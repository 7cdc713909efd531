/**
 * CA rotation across a real two-member etcd cluster (two PKI roots sharing a CA, members on loopback) with
 * the staged procedure: every member trusts the new CA before any member presents a new-CA certificate, so
 * the members keep talking (quorum, replication) at every step; after --finish old-CA clients are refused.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { renderCaExport, splitCaExport } from "../../lib/pki/export.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { parseCertificates } from "../../lib/pki/pem.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import {
  type ClientFiles,
  etcdBinaries,
  type LocalEtcd,
  localEtcd,
  makePki,
  request,
  tempRoot,
} from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");

Deno.test("certs rotate-ca --stage, switch, --finish on a two-member cluster keeps quorum at every step", async () => {
  const a = await tempRoot("etcdup-rot-a-");
  const b = await tempRoot("etcdup-rot-b-");
  const members: LocalEtcd[] = [];
  try {
    const bins = await etcdBinaries(a.root);
    await makePki(a.host, request({ memberName: "a" }));
    const shared = splitCaExport(
      await renderCaExport(a.host.readText(P.caCert)!, a.host.readText(P.caKey)!, new Date()),
      "shared-ca.pem",
    );
    await makePki(b.host, request({ memberName: "b", ca: shared }));
    const admin = (root: string): ClientFiles => ({
      ca: path.join(root, "etc/etcd/pki/ca.crt"),
      cert: path.join(root, "etc/etcd/pki/admin.crt"),
      key: path.join(root, "etc/etcd/pki/admin.key"),
    });
    const ea = localEtcd(bins, a.host.resolve(P.dir), path.join(a.root, "data"), "a");
    const eb = localEtcd(bins, b.host.resolve(P.dir), path.join(b.root, "data"), "b");
    members.push(ea, eb);
    const cluster = `${ea.peerEntry},${eb.peerEntry}`;
    await Promise.all([ea.spawn(cluster), eb.spawn(cluster)]);
    await Promise.all([ea.waitHealthy(admin(a.root)), eb.waitHealthy(admin(b.root))]);
    assert.equal((await ea.ctl(admin(a.root), "put", "/x", "1")).code, 0);

    const oldClient = path.join(a.root, "old-client");
    await Deno.mkdir(oldClient);
    for (const f of ["ca.crt", "admin.crt", "admin.key"]) {
      await Deno.copyFile(path.join(a.host.resolve(P.dir), f), path.join(oldClient, f));
    }
    const old: ClientFiles = {
      ca: `${oldClient}/ca.crt`,
      cert: `${oldClient}/admin.crt`,
      key: `${oldClient}/admin.key`,
    };

    /** Restarts one member on its current files and proves the cluster replicates through it. */
    const restartAndReplicate = async (
      m: LocalEtcd,
      root: string,
      other: LocalEtcd,
      otherRoot: string,
      key: string,
    ) => {
      await m.start(admin(root));
      const put = await m.ctl(admin(root), "put", key, m.name);
      assert.equal(put.code, 0, put.stderr);
      const got = await other.ctl(admin(otherRoot), "get", key, "--print-value-only");
      assert.equal(
        got.stdout.trim(),
        m.name,
        `${key} replicated from ${m.name} to ${other.name}: ${got.stderr}`,
      );
    };
    const etcdup = async (...args: string[]) => {
      const r = await runEtcdup(["certs", "rotate-ca", ...args]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r;
    };

    const exportFile = path.join(a.root, "new-ca.pem");
    const staged = await etcdup("--stage", "--out", exportFile, "--root", a.root);
    assert.match(staged.stdout, /New CA exported to .*new-ca\.pem \(0600\)/);
    assert.equal((await Deno.stat(exportFile)).mode! & 0o777, 0o600);
    assert.equal(parseCertificates(a.host.readText(P.caCert)!, "a").length, 2);
    await restartAndReplicate(ea, a.root, eb, b.root, "/stage-a");
    await etcdup("--stage", "--ca-from", exportFile, "--root", b.root);
    await restartAndReplicate(eb, b.root, ea, a.root, "/stage-b");
    const again = await etcdup("--stage", "--ca-from", exportFile, "--root", b.root);
    assert.match(again.stdout + again.stderr, /already trusted/);

    await etcdup("--ca-from", exportFile, "--root", a.root);
    await restartAndReplicate(ea, a.root, eb, b.root, "/switch-a"); // a presents new-CA certs, b still old-CA ones
    await etcdup("--ca-from", exportFile, "--root", b.root);
    await restartAndReplicate(eb, b.root, ea, a.root, "/switch-b");
    const newCa = splitCaExport(await Deno.readTextFile(exportFile), exportFile).certPem;
    for (const h of [a.host, b.host]) {
      const bundle = parseCertificates(h.readText(P.caCert)!, "bundle");
      assert.equal(bundle[0].serialNumber, parseCertificates(newCa, "new")[0].serialNumber, "new CA first");
      assert.equal(bundle.length, 2);
    }
    assert.equal(
      (await ea.ctl({ ...old, ca: admin(a.root).ca }, "get", "/x")).code,
      0,
      "old client certs accepted",
    );

    await etcdup("--finish", "--root", a.root);
    await restartAndReplicate(ea, a.root, eb, b.root, "/finish-a");
    await etcdup("--finish", "--root", b.root);
    await restartAndReplicate(eb, b.root, ea, a.root, "/finish-b");
    assert.equal((await eb.ctl(admin(b.root), "get", "/x", "--print-value-only")).stdout.trim(), "1");
    for (const m of [ea, eb]) {
      const r = await m.ctl({ ...old, ca: admin(a.root).ca }, "get", "/x");
      assert.notEqual(r.code, 0, `old-CA client certificate refused by ${m.name}`);
    }
  } finally {
    for (const m of members) await m.stop();
    await a.cleanup();
    await b.cleanup();
  }
});
