/**
 * Every permission problem is exit 7 (`not-root`, "run as root"), never "This is a bug": `status`, `certs
 * check`, `certs renew`, `uninstall --dry-run` and `install --dry-run` run as an unprivileged user (nobody,
 * via setpriv) on a tree etcdup installed (root-only state record and keys). etcdup runs from a
 * `deno bundle` of main.ts so that user needs no access to root's Deno cache.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { exec, type ExecResult } from "../support/exec.ts";
import { haveSetpriv, rootInstall } from "../support/root_install.ts";

const MAIN = path.resolve(new URL("../../main.ts", import.meta.url).pathname);
const NOBODY = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"];

/** The `event: "error"` line of a `--json` run. */
function jsonError(r: ExecResult): { code: string; message: string; hint?: string } | undefined {
  return r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .find((e) => e.event === "error");
}

Deno.test("non-root status, certs check, certs renew, uninstall --dry-run, install --dry-run exit 7 'run as root'", async () => {
  if (!(await haveSetpriv())) return;
  const fx = await etcdFixture("sid");
  const dir = await Deno.makeTempDir({ prefix: "etcdup-nonroot-" });
  try {
    await Deno.chmod(dir, 0o755);
    const bundle = path.join(dir, "etcdup.js");
    const built = await exec([Deno.execPath(), "bundle", "--quiet", MAIN, "-o", bundle]);
    assert.equal(built.code, 0, built.stderr);
    await Deno.chmod(bundle, 0o644);
    const root = path.join(dir, "root");
    await Deno.mkdir(root, { mode: 0o755 });
    const env = { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1", HOME: dir, DENO_DIR: path.join(dir, "deno") };
    const installed = await exec(
      [
        Deno.execPath(),
        "run",
        "-A",
        bundle,
        ...rootInstall(root, fx),
      ],
      { env },
    );
    assert.equal(installed.code, 0, installed.stderr);
    for (
      const args of [["status"], ["certs", "check"], ["certs", "renew"], ["uninstall", "--dry-run"], [
        "install",
        "--dry-run",
      ]]
    ) {
      const r = await exec([
        ...NOBODY,
        Deno.execPath(),
        "run",
        "-A",
        bundle,
        ...args,
        "--root",
        root,
        "--json",
      ], {
        env,
      });
      const err = jsonError(r);
      assert.equal(r.code, 7, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.equal(err?.code, "not-root", args.join(" "));
      assert.match(`${err?.message} ${err?.hint}`, /run (it )?as root/i, args.join(" "));
      assert.doesNotMatch(err?.hint ?? "", /bug/, args.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
