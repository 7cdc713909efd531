/**
 * `etcdup upgrade --root DIR` against a tree made by the test and a release (real fixture or built stub):
 * files only (no snapshot, no restart), the env file re-rendered for the new minor, the bash completion
 * refreshed or removed, old files kept in the backup dir, the state record updated; a refused path that
 * touches nothing; and a release without etcdutl removing etcdup's old one (rolled back on failure).
 */
import { deepStrictEqual as assertEquals, match as assertMatch, rejects } from "node:assert/strict";
import * as fs from "node:fs";
import { main } from "../../main.ts";
import { renderEnvFile } from "../../lib/etcd/env.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { readState } from "../../lib/host/state.ts";
import { serviceManager } from "../../lib/host/systemd.ts";
import { FIXED_PATHS } from "../../lib/plan/build.ts";
import { parseOptions } from "../../lib/plan/options.ts";
import { upgradeFlags } from "../../lib/specs/upgrade.ts";
import { applyUpgrade } from "../../lib/daytwo/upgrade_with_rollback.ts";
import { diffUpgrade } from "../../lib/daytwo/upgrade_diff.ts";
import { observeUpgrade } from "../../lib/observe/upgrade.ts";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { writeRelease } from "../support/tarball_builder.ts";
import { captureOutput } from "../release/helpers.ts";
import { amd64Host, ENV_FILES, inFakeInstall, MEMBER } from "./fixtures.ts";

const COMPLETION = FIXED_PATHS.completionFile;

/** Runs `fn` on a tree as if etcdup had installed etcd `version` there (fake binaries, real env file). */
function inFakeEtcd(
  version: string,
  extra: Record<string, [string, number]>,
  fn: (tree: { root: string; host: HostRoot }) => Promise<void>,
): Promise<void> {
  return inFakeInstall(
    {
      "/usr/local/bin/etcd": [`etcd ${version}`, 0o755],
      "/usr/local/bin/etcdctl": [`etcdctl ${version}`, 0o755],
      [ENV_FILES.envFile]: [renderEnvFile(MEMBER, version, ENV_FILES), 0o644],
      ...extra,
    },
    { version, dirs: [] },
    fn,
  );
}

/** Runs `etcdup upgrade --root ROOT ...args --quiet`. */
const upgrade = (root: string, ...args: string[]) =>
  main(["upgrade", "--root", root, ...args, "--quiet"], {});

/** The only upgrade backup dir of the tree. */
function backupDir(root: string): string {
  const backups = fs.readdirSync(`${root}/var/lib/etcdup/backups`);
  assertEquals(backups.length, 1);
  return `/var/lib/etcdup/backups/${backups[0]}`;
}

Deno.test("upgrade --root: a skipped minor is refused and nothing changes", () =>
  inFakeEtcd("v3.4.23", {}, async ({ root, host }) => {
    const before = JSON.stringify(readState(host));
    assertEquals(await upgrade(root, "--version", "v3.6.6"), 7);
    assertEquals(JSON.stringify(readState(host)), before);
    assertEquals(host.stat("/var/lib/etcdup/backups"), undefined);
  }));

Deno.test("upgrade --root 3.4 -> 3.5: binaries swapped, env re-rendered, completion written, old files kept, state updated", async () => {
  if (!amd64Host()) return;
  const next = await etcdFixture("sid");
  await inFakeEtcd("v3.4.23", {}, async ({ root, host }) => {
    assertEquals(await upgrade(root, "--tarball", next.tarball, "--sha256", next.sha256), 0);
    const state = readState(host)!;
    assertEquals(state.version, next.version);
    assertEquals(state.tarballSha256, next.sha256);
    assertEquals(host.stat("/usr/local/bin/etcdutl")?.isFile, true, "3.5 brings etcdutl");
    const env = host.readText(ENV_FILES.envFile)!;
    assertEquals(env, renderEnvFile(MEMBER, next.version, ENV_FILES));
    const etcdctl = new Deno.Command(host.resolve("/usr/local/bin/etcdctl"), {
      args: ["completion", "bash"],
    });
    assertEquals(host.readText(COMPLETION), new TextDecoder().decode(etcdctl.outputSync().stdout), "new one");
    assertEquals(host.stat(COMPLETION)?.mode, 0o644);
    for (const p of ["/usr/local/bin/etcd", "/usr/local/bin/etcdutl", ENV_FILES.envFile, COMPLETION]) {
      assertEquals(state.files[p]?.sha256, sha256Hex(host.read(p)!), `${p} recorded`);
    }
    const dir = backupDir(root);
    assertMatch(dir, /\/\d{8}T\d{6}Z-v3\.4\.23$/);
    assertEquals(host.readText(`${dir}/usr_local_bin_etcd`), "etcd v3.4.23");
    assertEquals(host.readText(`${dir}/etc_default_etcd`), renderEnvFile(MEMBER, "v3.4.23", ENV_FILES));
    assertEquals(host.stat(`${dir}/snapshot.db`), undefined, "no etcd runs under --root, so no snapshot");
  });
});

Deno.test("upgrade --root to an etcdctl without 'completion bash' removes etcdup's completion and its record", async () => {
  if (!amd64Host()) return;
  const files = {
    "/usr/local/bin/etcdutl": ["etcdutl v3.5.30", 0o755] as [string, number],
    [COMPLETION]: ["complete -F _etcdctl etcdctl\n", 0o644] as [string, number],
  };
  await inFakeEtcd("v3.5.30", files, async ({ root, host }) => {
    const release = await writeRelease(root, "v3.5.31", "amd64");
    assertEquals(await upgrade(root, "--tarball", release.path, "--sha256", release.sha256), 0);
    const state = readState(host)!;
    assertEquals(state.version, "v3.5.31");
    assertEquals(host.stat(COMPLETION), undefined, "removed");
    assertEquals(state.files[COMPLETION], undefined, "and no longer recorded");
    assertEquals(
      host.readText(`${backupDir(root)}/usr_share_bash-completion_completions_etcdctl`),
      "complete -F _etcdctl etcdctl\n",
    );
  });
});

/**
 * An upgrade of a fake 3.5.30 tree to 3.4.23 binaries (written by the test), files only: no supported path
 * leads to a release without etcdutl, so the diff is made as for a 3.4.22 install (the tree is 3.5.30's).
 * `failCompletion` makes the step after the binaries fail.
 */
async function toReleaseWithoutEtcdutl(host: HostRoot, failCompletion = false) {
  const state = readState(host)!;
  const svc = serviceManager(host);
  const release = {
    version: "v3.4.23",
    arch: "amd64" as const,
    native: true,
    source: { kind: "tarball" as const, path: "/unused.tar.gz" },
  };
  // observed as for the default release, then given this one (no manifest entry names it)
  const observed = {
    ...await observeUpgrade(host, svc, FIXED_PATHS, parseOptions(upgradeFlags, {})),
    state: { ...state, version: "v3.4.22" },
    release,
  };
  return applyUpgrade({
    host,
    state,
    svc,
    out: captureOutput().out,
    diff: diffUpgrade(observed, { allowDowngrade: false, healthTimeoutMs: 1000, now: new Date() }),
    release: { sha256: "0".repeat(64), recorded: {} },
    installBinaries: () => {
      for (const b of ["etcd", "etcdctl"]) {
        host.writeAtomic(`/usr/local/bin/${b}`, `${b} v3.4.23`, { uid: 0, gid: 0, mode: 0o755 });
      }
      return Promise.resolve();
    },
    completion: () =>
      failCompletion ? Promise.reject(new Error("no completion today")) : Promise.resolve(undefined),
    now: new Date(),
  });
}

Deno.test("a release without etcdutl removes etcdup's etcdutl and its record; a failure puts it back", async () => {
  const etcdutl = { "/usr/local/bin/etcdutl": ["etcdutl v3.5.30", 0o755] as [string, number] };
  await inFakeEtcd("v3.5.30", etcdutl, async ({ host }) => {
    const result = await toReleaseWithoutEtcdutl(host);
    assertEquals(
      result.changes.filter((c) => c.path.startsWith("/usr/local/bin/")).map((c) => `${c.action} ${c.path}`),
      ["install /usr/local/bin/etcd", "install /usr/local/bin/etcdctl", "remove /usr/local/bin/etcdutl"],
    );
    assertEquals(host.stat("/usr/local/bin/etcdutl"), undefined);
    const state = readState(host)!;
    assertEquals(state.version, "v3.4.23");
    assertEquals(Object.keys(state.files).filter((p) => p.startsWith("/usr/local/bin/")).sort(), [
      "/usr/local/bin/etcd",
      "/usr/local/bin/etcdctl",
    ]);
    assertEquals(state.files["/usr/local/bin/etcd"].sha256, sha256Hex("etcd v3.4.23"));
  });
  await inFakeEtcd("v3.5.30", etcdutl, async ({ host }) => {
    const before = readState(host);
    await rejects(toReleaseWithoutEtcdutl(host, true), /rolled back/);
    assertEquals(host.readText("/usr/local/bin/etcdutl"), "etcdutl v3.5.30", "etcdutl is back");
    assertEquals(host.readText("/usr/local/bin/etcd"), "etcd v3.5.30");
    assertEquals(readState(host), before, "the record is unchanged");
  });
});
