/** The one etcd version module: parsing (lenient for our own values, strict for the user's), order, form. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import assert from "node:assert/strict";
import {
  atLeast,
  compareVersions,
  formatVersion,
  parseEtcdVersion,
  parseVersionArg,
  releaseLine,
  tryParseVersion,
} from "../../lib/etcd/version.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** The EtcdupError `fn` throws (fails the test when it throws anything else or nothing). */
function thrown(fn: () => unknown): EtcdupError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EtcdupError) return err;
    throw err;
  }
  throw new Error("expected an EtcdupError, nothing was thrown");
}

Deno.test("user versions parse with or without v; anything else is bad-version (exit 2)", () => {
  assertEquals(parseVersionArg("v3.5.30"), { major: 3, minor: 5, patch: 30 });
  assertEquals(parseVersionArg(" 3.4.23 "), { major: 3, minor: 4, patch: 23 });
  for (const junk of ["3.5", "latest", "v3.5.30-rc.0", "v3.5.x", ""]) {
    const e = thrown(() => parseVersionArg(junk));
    assertEquals([e.code, e.exit], ["bad-version", Exit.usage], junk);
  }
  assertEquals(tryParseVersion("3.5"), undefined);
});

Deno.test("our own versions may carry a suffix; no version at all is an internal error", () => {
  assertEquals(parseEtcdVersion("v3.6.0-rc.1"), { major: 3, minor: 6, patch: 0 });
  assert.throws(() => parseEtcdVersion("etcd"), /internal: not an etcd version/);
});

Deno.test("versions compare numerically, as strings or parsed, and sort oldest first", () => {
  assert.ok(compareVersions("v3.5.9", "v3.5.30") < 0);
  assert.ok(compareVersions({ major: 3, minor: 6, patch: 0 }, "v3.5.30") > 0);
  assertEquals(compareVersions("v3.4.23", "3.4.23"), 0);
  assertEquals(["v3.6.0", "v3.4.30", "v3.5.10", "v3.5.9"].sort(compareVersions), [
    "v3.4.30",
    "v3.5.9",
    "v3.5.10",
    "v3.6.0",
  ]);
  assert.ok(atLeast("v3.5.0", 3, 5));
  assert.ok(!atLeast("v3.4.30", 3, 5));
  assert.ok(atLeast(parseEtcdVersion("v4.0.0"), 3, 6));
});

Deno.test("formatting is canonical and inverts parsing; the release line drops the patch", () => {
  assertEquals(formatVersion(parseVersionArg("3.05.030")), "v3.5.30");
  for (const v of ["v3.4.23", "v3.5.30", "v3.6.6"]) assertEquals(formatVersion(parseVersionArg(v)), v);
  assertEquals(releaseLine("v3.5.30"), "3.5");
  assertEquals(releaseLine({ major: 3, minor: 6, patch: 11 }), "3.6");
});
