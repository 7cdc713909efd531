/**
 * `certs rotate-ca --dry-run` shows what each phase then writes, on a single node under a temp `--root`
 * (tests/pki/dry_run.ts compares the dry run's list with the files the run changed): the switch (a new CA
 * trusted beside the old, every leaf reissued from it), `--finish` (the old CA dropped), each with the
 * phase record it leaves (lib/state_record.ts CA_ROTATION_FILE; the finish removes it), and a finish with
 * nothing left to do; `--stage --out FILE` writes no export in a dry run, and a target the run refuses (it
 * exists, is a link, a directory, in a directory others may write, or its directory is missing) the dry run
 * refuses by the same exit and error code.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { Exit } from "../../lib/errors.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { CA_ROTATION_FILE } from "../../lib/state_record.ts";
import { hostRoot } from "./helpers.ts";
import { certs, certsDryRunEqualsApply } from "./dry_run.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const LEAVES = [P.serverCert, P.serverKey, P.peerCert, P.peerKey, P.adminCert, P.adminKey];

Deno.test("certs rotate-ca --dry-run equals the run: the switch, then --finish, then nothing to finish", async () => {
  const t = await hostRoot("pkitest");
  try {
    const sw = await certsDryRunEqualsApply(t, ["rotate-ca"]);
    assert.equal(sw.result.step, "switch");
    assert.deepEqual(
      sw.changes.map((c) => c.path).sort(),
      [P.caCert, P.caKey, ...LEAVES, CA_ROTATION_FILE].sort(),
      "the PKI and the phase record",
    );
    assert.equal(sw.result.journal, `${P.dir}/rotate-ca.pending.json`);
    assert.equal(sw.result.phase, "switched");
    const fin = await certsDryRunEqualsApply(t, ["rotate-ca", "--finish"]);
    assert.deepEqual(
      fin.changes.map((c) => `${c.action} ${c.path}`),
      [`replace ${P.caCert}`, `remove ${CA_ROTATION_FILE}`],
      "only the trust bundle changes, and the phase record goes",
    );
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
    assert.deepEqual(stage.changes.map((c) => c.path), [P.caCert, CA_ROTATION_FILE], "the trust bundle only");
    assert.equal(stage.result.phase, "staged");
    assert.equal(await exported(), true, "the run wrote it");
  } finally {
    await Deno.remove(out).catch(() => undefined);
    await t.cleanup();
  }
});

Deno.test("certs rotate-ca --stage --out: the dry run refuses a target exactly as the run does (exit and code), writing nothing", async () => {
  const t = await hostRoot("pkitest");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-out-" });
  try {
    const existing = path.join(dir, "existing.pem");
    await Deno.writeTextFile(existing, "someone's file\n");
    const link = path.join(dir, "link.pem");
    await Deno.symlink(existing, link);
    const open = path.join(dir, "open");
    await Deno.mkdir(open);
    await Deno.chmod(open, 0o777);
    const cases: [string[], number, string][] = [
      [["--out", existing], Exit.precondition, "out-exists"],
      [["--out", link, "--force"], Exit.precondition, "out-unsafe"],
      [["--out", dir, "--force"], Exit.precondition, "out-unsafe"],
      [["--out", path.join(open, "ca.pem")], Exit.precondition, "out-unsafe"],
      [["--out", path.join(dir, "missing", "ca.pem")], Exit.usage, "out-dir-missing"],
    ];
    for (const [flags, exit, code] of cases) {
      const before = await Deno.readTextFile(t.host.resolve(P.caCert));
      for (const dry of [["--dry-run"], []]) {
        const r = await certs(t, ["rotate-ca", "--stage", ...flags, ...dry]);
        assert.deepEqual([r.code, r.error], [exit, { code, exit }], `${flags.join(" ")} ${dry.join(" ")}`);
      }
      assert.equal(await Deno.readTextFile(t.host.resolve(P.caCert)), before, "nothing staged");
    }
    assert.equal(await Deno.readTextFile(existing), "someone's file\n", "the existing file kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await t.cleanup();
  }
});
