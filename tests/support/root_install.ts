/**
 * Running etcdup from source in the --root tests: `deno run main.ts` (no colour, no package.json noise), the
 * air-gapped install of a fixture tarball into a tree, and whether setpriv (util-linux) is there for the
 * tests that act as another user.
 */
import * as path from "node:path";
import type { EtcdFixture } from "./etcd_fixtures.ts";
import { exec, type ExecResult } from "./exec.ts";

const MAIN = path.resolve(new URL("../../main.ts", import.meta.url).pathname);

/** Runs `deno run main.ts ARGS` with `env` over NO_COLOR and DENO_NO_PACKAGE_JSON. */
export function etcdupMain(args: string[], env: Record<string, string> = {}): Promise<ExecResult> {
  return exec([Deno.execPath(), "run", "-A", "--no-lock", MAIN, ...args], {
    env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1", ...env },
  });
}

/** `install --root ROOT --tarball T --sha256 H` for the fixture `fx` (its digest is not the manifest's). */
export function rootInstall(root: string, fx: EtcdFixture): string[] {
  return ["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256];
}

/** Whether setpriv runs here; says why a test is skipped when not. */
export async function haveSetpriv(): Promise<boolean> {
  if ((await exec(["setpriv", "--version"]).catch(() => ({ code: 1 }))).code === 0) return true;
  console.warn("skipped: setpriv (util-linux) is not installed");
  return false;
}
