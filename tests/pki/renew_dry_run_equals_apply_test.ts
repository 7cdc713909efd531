/**
 * The proof that `certs renew --dry-run` shows what renew then writes: for each host state (nothing due,
 * one leaf expiring, a renamed host, certificates named on the command line: the forced reissue), on a temp
 * `--root`, the dry run's list of changes (`--json`) equals the files whose bytes the run changed (read
 * independently before and after, the backups of the replaced files aside) and the run's own `written`
 * list; the dry run changes nothing (no backup either); openssl checks the new certificates chain to the CA
 * and carry the names the dry run said.
 */
import assert from "node:assert/strict";
import { gatherFacts } from "../../lib/host/facts.ts";
import { hostSans } from "../../lib/pki/hostsans.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { hostRoot, openssl, planOn, request, type TempRoot, writeOn } from "./helpers.ts";
import { certsDryRunEqualsApply } from "./dry_run.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const DAY = 86_400_000;

/** One certificate of the dry run's `reasons`. */
interface Reason {
  name: string;
  why: string;
  sans?: { added: string[]; dropped: string[] };
}

/** `certs renew ARGS` dry run, then run (tests/pki/dry_run.ts): the dry run's changes and reasons. */
async function dryRunEqualsApply(
  t: TempRoot,
  ...args: string[]
): Promise<{ changes: { path: string; action: string }[]; reasons: Reason[] }> {
  const dry = await certsDryRunEqualsApply(t, ["renew", ...args]);
  return { changes: dry.changes, reasons: dry.result.reasons as Reason[] };
}

/** The subjectAltName extension of a certificate, as openssl prints it. */
const sanText = (t: TempRoot, file: string) =>
  openssl("x509", "-in", t.host.resolve(file), "-noout", "-ext", "subjectAltName");

Deno.test("certs renew --dry-run equals the run: nothing due with --if-expiring writes nothing", async () => {
  const t = await hostRoot("pkitest");
  try {
    const { changes, reasons } = await dryRunEqualsApply(t, "--if-expiring");
    assert.deepEqual([changes, reasons], [[], []]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --dry-run equals the run: one leaf expiring (--if-expiring) is the only pair rewritten", async () => {
  const t = await hostRoot("pkitest");
  try {
    const past = new Date(Date.now() - 350 * DAY); // a 365-day server certificate with 15 days left
    const req = request({
      memberName: "pkitest",
      sans: hostSans(gatherFacts(t.host)),
      now: past,
      reissue: ["server"],
    });
    writeOn(await planOn(req, t.host), t.host, past);
    const { changes, reasons } = await dryRunEqualsApply(t, "--if-expiring");
    assert.deepEqual(changes.map((c) => `${c.action} ${c.path}`).sort(), [
      `replace ${P.serverCert}`,
      `replace ${P.serverKey}`,
    ]);
    assert.deepEqual(reasons.map((r) => r.name), ["server"]);
    assert.match(reasons[0].why, /expires in 1[45] days \(--if-expiring --window 30\)/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --dry-run equals the run: a renamed host adds the new name, --reset-sans drops the old", async () => {
  const t = await hostRoot("oldname");
  try {
    t.host.writeAtomic("/etc/hostname", "newname\n", { uid: 0, gid: 0, mode: 0o644 });
    const added = await dryRunEqualsApply(t, "server", "peer");
    assert.deepEqual(added.reasons.map((r) => [r.name, r.sans?.added.includes("newname")]), [
      ["server", true],
      ["peer", true],
    ]);
    assert.match(await sanText(t, P.serverCert), /DNS:newname/);
    assert.match(await sanText(t, P.serverCert), /DNS:oldname/, "old names kept");

    const reset = await dryRunEqualsApply(t, "server", "peer", "--reset-sans");
    assert.deepEqual(reset.reasons.map((r) => r.sans?.dropped.includes("oldname")), [true, true]);
    assert.doesNotMatch(await sanText(t, P.peerCert), /DNS:oldname/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --dry-run equals the run: valid certificates named are reissued anyway (forced), the rest kept", async () => {
  const t = await hostRoot("pkitest");
  try {
    const { changes, reasons } = await dryRunEqualsApply(t, "admin");
    assert.deepEqual(changes.map((c) => c.path).sort(), [P.adminCert, P.adminKey]);
    assert.deepEqual(reasons.map((r) => [r.name, r.why]), [["admin", "named on the command line"]]);
    const all = await dryRunEqualsApply(t, "--reuse-keys");
    assert.deepEqual(all.changes.map((c) => c.path).sort(), [P.adminCert, P.peerCert, P.serverCert]);
  } finally {
    await t.cleanup();
  }
});
