/** Moving a data dir aside instead of deleting it: one rename, an empty dir with the same owner in its place. */
import assert from "node:assert/strict";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { asideName, moveAside } from "../../lib/host/aside.ts";
import { inTempDir } from "../release/helpers.ts";

Deno.test("asideName stamps the UTC time to the second", () => {
  assert.equal(
    asideName("/var/lib/etcd/", "replace", new Date("2026-12-01T22:05:01.123Z")),
    "/var/lib/etcd.before-replace-20261201T220501Z",
  );
});

Deno.test("moveAside keeps the content, recreates the dir 0700 with its owner, never overwrites an earlier one", () =>
  inTempDir((root) => {
    const host = new HostRoot(root);
    const own = { uid: 0, gid: 0, mode: 0o750 };
    host.ensureDir("/var/lib/etcd/member", own);
    host.writeAtomic("/var/lib/etcd/member/db", "data", { uid: 0, gid: 0, mode: 0o600 });
    const now = new Date("2026-12-01T22:05:01Z");
    const first = moveAside(host, "/var/lib/etcd", "replace", now);
    assert.equal(first, "/var/lib/etcd.before-replace-20261201T220501Z");
    assert.equal(host.readText(path.join(first, "member/db")), "data");
    assert.deepEqual(Deno.readDirSync(host.resolve("/var/lib/etcd")).toArray(), []);
    assert.equal(host.stat("/var/lib/etcd")!.mode, 0o700);
    // The same second again (a quick re-run): a new name, the first copy untouched.
    assert.equal(moveAside(host, "/var/lib/etcd", "replace", now), `${first}.2`);
    assert.equal(host.readText(path.join(first, "member/db")), "data");
    assert.throws(() => moveAside(host, "/var/lib/missing", "replace", now), /not a directory/);
    return Promise.resolve();
  }));
