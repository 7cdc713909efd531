import assert from "node:assert/strict";
import { checkCaFlags } from "../../lib/pki/export.ts";
import { readCaFlags } from "../../lib/pki/observe.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** Asserts `fn` throws the usage error `code`. */
function refused(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EtcdupError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.exit, Exit.usage);
    return true;
  });
}

Deno.test("CA flags: --ca-from with --ca-cert/--ca-key, or half a pair, is refused before any file is read", () => {
  const missing = "/nonexistent/etcdup-ca";
  for (const flags of [{ caFrom: missing, caCert: missing }, { caFrom: missing, caKey: missing }]) {
    refused(() => checkCaFlags(flags), "conflicting-ca");
    refused(() => readCaFlags(flags), "conflicting-ca"); // not "cannot read": the flags are checked first
  }
  refused(() => readCaFlags({ caCert: missing }), "incomplete-ca");
  refused(() => readCaFlags({ caKey: missing }), "incomplete-ca");
  assert.equal(readCaFlags({}), undefined);
  checkCaFlags({ caFrom: missing });
  checkCaFlags({ caCert: missing, caKey: missing });
});
