/** install and join refuse a host they cannot install on (not root) with exit 7 and a hint; --root needs a directory. */
import assert from "node:assert/strict";
import { checkPreconditions } from "../../lib/install/preconditions.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import type { HostFacts } from "../../lib/facts.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";

const facts: HostFacts = { hostname: "n1", addresses: [], cpu: "x86_64", isRoot: true };

Deno.test("preconditions: not root -> exit 7 naming sudo and --dry-run", () => {
  assert.throws(() => checkPreconditions(new HostRoot("/tmp"), { ...facts, isRoot: false }), (e: unknown) => {
    assert.ok(e instanceof EtcdupError);
    assert.equal(e.code, "not-root");
    assert.equal(e.exit, Exit.precondition);
    assert.match(e.message, /must run as root/);
    assert.match(e.hint ?? "", /sudo.*--dry-run/);
    return true;
  });
});

Deno.test("preconditions: --root must be a directory; an existing one passes without systemd", () => {
  const dir = Deno.makeTempDirSync();
  try {
    checkPreconditions(new HostRoot(dir), facts);
    assert.throws(
      () => checkPreconditions(new HostRoot(`${dir}/missing`), facts),
      (e: unknown) =>
        e instanceof EtcdupError && e.code === "root-missing" && e.exit === Exit.precondition &&
        /not a directory/.test(e.message),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("preconditions: join names itself and offers no --dry-run (it has none)", () => {
  assert.throws(
    () => checkPreconditions(new HostRoot("/tmp"), { ...facts, isRoot: false }, "join"),
    (e: unknown) => {
      assert.ok(e instanceof EtcdupError);
      assert.equal(e.code, "not-root");
      assert.equal(e.exit, Exit.precondition);
      assert.match(e.message, /etcdup join must run as root/);
      assert.doesNotMatch(e.hint ?? "", /--dry-run|--root/);
      return true;
    },
  );
});
