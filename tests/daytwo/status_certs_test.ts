/**
 * `status` reports every certificate problem `certs check` reports (same check code, exit 6): a client pair
 * signed by another CA in the PKI dir is `wrong-ca` for both, on a tree installed with --root.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import type { ExecResult } from "../support/exec.ts";
import { etcdupMain, rootInstall } from "../support/root_install.ts";

const etcdup = (args: string[]) => etcdupMain(args);

/** The result object of a `--json` run. */
function jsonResult(r: ExecResult): Record<string, unknown> {
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.event === "result")?.result;
}

Deno.test("status reports what certs check reports (wrong-ca of a client pair), both exit 6", async () => {
  const fx = await etcdFixture("sid");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-status-certs-" });
  try {
    const [a, b] = [path.join(dir, "a"), path.join(dir, "b")];
    for (const root of [a, b]) {
      await Deno.mkdir(root);
      const r = await etcdup(rootInstall(root, fx));
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await etcdup(["certs", "issue-client", "app", "--root", b])).code, 0);
    for (const f of ["app.crt", "app.key"]) {
      await Deno.copyFile(path.join(b, "etc/etcd/pki", f), path.join(a, "etc/etcd/pki", f));
    }
    const check = await etcdup(["certs", "check", "--root", a, "--json"]);
    assert.equal(check.code, 6, check.stdout);
    const problems = jsonResult(check).problems as { code: string; message: string }[];
    assert.ok(problems.some((p) => p.code === "wrong-ca"), JSON.stringify(problems));

    const status = await etcdup(["status", "--root", a, "--json"]);
    assert.equal(status.code, 6, status.stdout);
    const reported = jsonResult(status).problems as string[];
    for (const p of problems) assert.ok(reported.includes(p.message), `status misses: ${p.message}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
