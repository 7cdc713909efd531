/** File decisions: create, keep, fix owner/mode, update what etcdup wrote, keep what the operator edited. */
import assert from "node:assert/strict";
import { decideFile } from "../../lib/plan/diff.ts";
import type { DesiredFile } from "../../lib/files.ts";

const want = (protectEdits: boolean): DesiredFile => ({
  path: "/etc/default/etcd",
  content: "new",
  sha256: "N",
  uid: 0,
  gid: 0,
  mode: 0o644,
  protectEdits,
  readByEtcd: true,
});
const on = (sha256: string, mode = 0o644) => ({ sha256, uid: 0, gid: 0, mode });
const rec = (sha256: string) => ({ sha256, uid: 0, gid: 0, mode: 0o644 });

Deno.test("diff: missing -> create, same -> keep, same content other mode -> fix-owner-mode", () => {
  assert.equal(decideFile(want(true), undefined, undefined), "create");
  assert.equal(decideFile(want(true), on("N"), rec("N")), "keep");
  assert.equal(decideFile(want(true), on("N", 0o600), rec("N")), "fix-owner-mode");
});

Deno.test("diff: a file still as etcdup wrote it is updated; an edited one is kept", () => {
  assert.equal(decideFile(want(true), on("OLD"), rec("OLD")), "update");
  assert.equal(decideFile(want(true), on("EDITED"), rec("OLD")), "keep-edited");
  assert.equal(decideFile(want(true), on("FOREIGN"), undefined), "keep-edited");
  assert.equal(decideFile(want(false), on("EDITED"), rec("OLD")), "update");
});
