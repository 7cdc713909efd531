/**
 * `uninstall --purge` removes every private key etcdup left in its PKI dirs, not only the recorded ones: the
 * backups of replaced files under `<pki dir>/backup/<time>/` and client pairs no record names; `--purge
 * --dry-run` lists each of them and a plain uninstall lists them as kept.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as path from "node:path";
import { exec } from "../support/exec.ts";
import { inFakeInstall } from "./fixtures.ts";

const MAIN = path.resolve(new URL("../../main.ts", import.meta.url).pathname);
const FILES: Record<string, [string, number]> = {
  "/usr/local/bin/etcd": ["etcd binary", 0o755],
  "/etc/etcd/pki/ca.crt": ["ca", 0o644],
  "/etc/etcd/pki/server.key": ["key", 0o600],
};
const LEFTOVERS = [
  "/etc/etcd/pki/app.crt",
  "/etc/etcd/pki/app.key",
  "/etc/etcd/pki/backup/20261201T101500Z/server.crt",
  "/etc/etcd/pki/backup/20261201T101500Z/server.key",
  "/etc/etcd/pki/backup/20261202T101500Z/app.key",
];

/** Runs `etcdup uninstall FLAGS --root root --json` and returns its result object. */
async function uninstall(
  root: string,
  ...flags: string[]
): Promise<{ code: number; plan: Record<string, string[]> }> {
  const r = await exec([
    Deno.execPath(),
    "run",
    "-A",
    "--no-lock",
    MAIN,
    "uninstall",
    ...flags,
    "--root",
    root,
    "--json",
  ], {
    env: { DENO_NO_PACKAGE_JSON: "1" },
  });
  const result = r.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.event === "result");
  return { code: r.code, plan: result?.result.plan };
}

Deno.test("uninstall --purge lists and removes PKI backups and unrecorded client pairs; a plain uninstall keeps them", () =>
  inFakeInstall(FILES, {}, async ({ root, host }) => {
    for (const p of LEFTOVERS) {
      host.ensureDir(p.replace(/\/[^/]+$/, ""), { uid: 0, gid: 0, mode: 0o700 });
      host.writeAtomic(p, "secret", { uid: 0, gid: 0, mode: 0o600 });
    }
    const dry = await uninstall(root, "--purge", "--dry-run");
    assertEquals(dry.code, 0);
    for (const p of LEFTOVERS) assertEquals(dry.plan.remove.includes(p), true, `--dry-run lists ${p}`);
    assertEquals(host.stat(LEFTOVERS[4]) !== undefined, true, "the dry run removed nothing");

    const plain = await uninstall(root, "--dry-run");
    for (const p of LEFTOVERS) {
      assertEquals(plain.plan.keptPki.includes(p), true, `kept without --purge: ${p}`);
    }

    assertEquals((await uninstall(root, "--purge")).code, 0);
    for (const p of [...LEFTOVERS, "/etc/etcd/pki", "/etc/etcd"]) {
      assertEquals(host.stat(p), undefined, `${p} should be gone`);
    }
  }));
