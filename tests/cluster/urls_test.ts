import assert from "node:assert/strict";
import { normalizeUrl } from "../../lib/cluster/urls.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

/** Asserts `fn` throws a `bad-url` usage error (exit 2, with a hint) whose message contains `needle`. */
function assertUsage(fn: () => unknown, needle: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EtcdupError, `not an EtcdupError: ${err}`);
    assert.equal(err.exit, Exit.usage);
    assert.equal(err.code, "bad-url", err.message);
    assert.ok(err.message.includes(needle), `'${err.message}' lacks '${needle}'`);
    assert.ok(err.hint, "a usage error names the fix");
    return true;
  });
}

Deno.test("normalizeUrl canonicalises host case, IPv6 spelling and a trailing slash", () => {
  assert.equal(normalizeUrl("https://[FD00:0:0::1]:2380/", "x"), "https://[fd00::1]:2380");
  assert.equal(normalizeUrl("https://Node1.Example:2380", "x"), "https://node1.example:2380");
  assert.equal(normalizeUrl("https://10.0.0.1:2379", "x"), "https://10.0.0.1:2379");
});

Deno.test("normalizeUrl names the input and the flag for what it refuses", () => {
  assertUsage(
    () => normalizeUrl("http://10.0.0.1:2380", "ENDPOINT"),
    "ENDPOINT: 'http://10.0.0.1:2380' is not https",
  );
  assertUsage(() => normalizeUrl("https://10.0.0.1", "ENDPOINT"), "explicit port");
  assertUsage(() => normalizeUrl("https://10.0.0.1:2380/x", "ENDPOINT"), "explicit port");
  assertUsage(() => normalizeUrl("https://fd00::1:2380", "ENDPOINT"), "is not a URL");
  assertUsage(() => normalizeUrl("10.0.0.1:2379", "ENDPOINT"), "ENDPOINT");
});
