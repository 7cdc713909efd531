/**
 * `certs rotate-ca --dry-run` shows what each phase then writes, on a single node under a temp `--root`
 * (tests/pki/dry_run.ts compares the dry run's list with the files the run changed): the switch (a new CA
 * trusted beside the old, every leaf reissued from it), `--finish` (the old CA dropped), and a finish with
 * nothing left to do; `--stage --out FILE` writes no export in a dry run.
 */
import assert from "node:assert/strict";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { hostRoot } from "./helpers.ts";
import { certsDryRunEqualsApply } from "./dry_run.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const LEAVES = [P.serverCert, P.serverKey, P.peerCert, P.peerKey, P.adminCert, P.adminKey];

Deno.test("certs rotate-ca --dry-run equals the run: the switch, then --finish, then nothing to finish", async () => {
  const t = await hostRoot("pkitest");
  try {
    const sw = await certsDryRunEqualsApply(t, ["rotate-ca"]);
    assert.equal(sw.result.step, "switch");
    assert.deepEqual(sw.changes.map((c) => c.path).sort(), [P.caCert, P.caKey, ...LEAVES].sort());
    assert.equal(sw.result.journal, `${P.dir}/rotate-ca.pending.json`);
    const fin = await certsDryRunEqualsApply(t, ["rotate-ca", "--finish"]);
    assert.deepEqual(fin.changes.map((c) => c.path), [P.caCert], "only the trust bundle changes");
    const again = await certsDryRunEqualsApply(t, ["rotate-ca", "--finish"]);
    assert.deepEqual(again.changes, []);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs rotate-ca --stage --out FILE: the dry run names the export and writes none of it; the run writes it", async () => {
  const t = await hostRoot("pkitest");
  const out = `${t.root}-new-ca.pem`;
  try {
    const exported = async () => (await Deno.stat(out).catch(() => undefined))?.isFile ?? false;
    const stage = await certsDryRunEqualsApply(t, ["rotate-ca", "--stage", "--out", out], async () => {
      assert.equal(await exported(), false, "no export written by the dry run");
    });
    assert.equal(stage.result.exported, out);
    assert.deepEqual(stage.changes.map((c) => c.path), [P.caCert], "the trust bundle only");
    assert.equal(await exported(), true, "the run wrote it");
  } finally {
    await Deno.remove(out).catch(() => undefined);
    await t.cleanup();
  }
});
