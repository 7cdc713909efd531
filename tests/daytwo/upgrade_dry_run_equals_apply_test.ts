/**
 * The proof that `upgrade --dry-run` shows what upgrade then does: for each host state (a minor upgrade
 * 3.4.23 -> 3.5.x, the same version again, a patch upgrade 3.5.16 -> 3.5.x of an env file the operator
 * edited), on a tree `install --root` made from real release fixtures, the dry run's list of changes
 * (`--json`: path + action) equals the one apply's result lists, and both equal what changed in the tree,
 * read independently from the filesystem before and after. Under --root no etcd runs, so there is no snapshot
 * and no restart; tests/e2e/daytwo_test.ts upgrades a running etcd in a systemd container.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { type EtcdFixture, etcdFixture } from "../support/etcd_fixtures.ts";
import { installArgs, lastJson, runEtcdup, treeDigests } from "../support/root_tree.ts";
import { inTempDir } from "../release/helpers.ts";
import { amd64Host } from "./fixtures.ts";

/** Where an upgrade keeps its copies: every path under it stands for the backup dir's "create". */
const BACKUPS = "/var/lib/etcdup/backups";

interface Entry {
  path: string;
  action: string;
}

/** The path + action pairs of a list of changes, sorted, the dated backup dir named `<backups>/*`. */
function pairs(list: Entry[]): string[] {
  return list.map((e) => `${e.path.startsWith(BACKUPS) ? `${BACKUPS}/*` : e.path} ${e.action}`).sort();
}

/**
 * The entry of the list a changed path belongs to: the backup dir for what is in it (and for its parent, made
 * on the way by a first upgrade), else the path's own.
 */
function owner(p: string, list: Entry[]): string {
  if (p === BACKUPS || p.startsWith(`${BACKUPS}/`)) return `${BACKUPS}/*`;
  const edited = list.find((e) => e.action === "keep-edited" && p === `${e.path}.etcdup-new`);
  return edited ? edited.path : p;
}

/** How the tree changed, path -> created/written/removed. */
function changed(before: Map<string, string>, after: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of new Set([...before.keys(), ...after.keys()])) {
    const [b, a] = [before.get(p), after.get(p)];
    if (b === a) continue;
    out.set(p, b === undefined ? "created" : a === undefined ? "removed" : "written");
  }
  return out;
}

/**
 * Runs `upgrade ARGS --dry-run`, then `upgrade ARGS` on `root`, and checks the three lists agree: every path
 * that changed belongs to an entry of the dry run's list (the backup dir holding the copies; an edited env
 * file's rendering beside it), and every entry but the completion's "generate" (written only when its content
 * changes, removed when the new etcdctl has none) changed something. Returns the dry run's list.
 */
async function dryRunThenApply(root: string, args: string[]): Promise<Entry[]> {
  const dry = await runEtcdup([...args, "--dry-run", "--json"]);
  assert.equal(dry.code, 0, dry.stderr);
  const planned = (lastJson(dry.stdout).result as { changes: Entry[] }).changes;
  const before = treeDigests(root);
  const run = await runEtcdup([...args, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const done = (lastJson(run.stdout).result as { changes: Entry[] }).changes;
  const after = treeDigests(root);

  assert.deepEqual(pairs(done), pairs(planned), "apply did what the dry run said");
  const fs = changed(before, after);
  const listed = new Set(pairs(planned).map((p) => p.slice(0, p.lastIndexOf(" "))));
  const unlisted = [...fs.keys()].filter((p) => !listed.has(owner(p, planned)));
  assert.deepEqual(unlisted, [], "the tree changed only where the list says");
  const owners = new Set([...fs.keys()].map((p) => owner(p, planned)));
  const idle = pairs(planned).filter((p) =>
    !p.endsWith(" generate") && !owners.has(p.slice(0, p.lastIndexOf(" ")))
  );
  assert.deepEqual(idle, [], "every listed change changed the tree");
  return planned;
}

/** Installs fixture `fx` into a fresh `root` named `node-a` (no start: nothing runs under --root). */
async function installInto(root: string, fx: EtcdFixture): Promise<void> {
  await Deno.mkdir(path.join(root, "etc"), { recursive: true });
  await Deno.writeTextFile(path.join(root, "etc/hostname"), "node-a\n");
  const r = await runEtcdup(installArgs(root, fx));
  assert.equal(r.code, 0, r.stderr);
}

/** `upgrade --root ROOT` to fixture `fx`. */
function upgradeArgs(root: string, fx: EtcdFixture): string[] {
  return ["upgrade", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256];
}

Deno.test("upgrade dry run = apply: a minor upgrade 3.4 -> 3.5, then the same version (nothing to do)", async () => {
  if (!amd64Host()) return;
  const [old, next] = await Promise.all([etcdFixture("bookworm"), etcdFixture("sid")]);
  await inTempDir(async (root) => {
    await installInto(root, old);
    const changes = await dryRunThenApply(root, upgradeArgs(root, next));
    const actions = Object.fromEntries(changes.map((c) => [c.path, c.action]));
    assert.equal(actions["/usr/local/bin/etcdutl"], "install", "3.5 brings etcdutl");
    assert.equal(actions["/etc/default/etcd"], "update", "re-rendered for 3.5");
    assert.equal(actions["/var/lib/etcdup/state.json"], "update");
    const env = changes.find((c) => c.path === "/etc/default/etcd") as Entry & { note: string };
    assert.match(env.note, /\+ETCD_TLS_MIN_VERSION/, "the note names the keys that change");
    assert.deepEqual(await dryRunThenApply(root, upgradeArgs(root, next)), [], "the same version: nothing");
  }, "etcdup-upgrade-onediff-minor-");
});

Deno.test("upgrade dry run = apply: a patch upgrade 3.5.16 -> 3.5.x of an env file the operator edited", async () => {
  if (!amd64Host()) return;
  const [old, next] = await Promise.all([etcdFixture("trixie"), etcdFixture("sid")]);
  await inTempDir(async (root) => {
    await installInto(root, old);
    await Deno.writeTextFile(path.join(root, "etc/default/etcd"), "ETCD_SNAPSHOT_COUNT=20000\n", {
      append: true,
    });
    const changes = await dryRunThenApply(root, upgradeArgs(root, next));
    const actions = Object.fromEntries(changes.map((c) => [c.path, c.action]));
    assert.equal(actions["/etc/default/etcd"], "keep-edited", "yours is kept, etcdup's rendering beside it");
    for (const b of ["etcd", "etcdctl", "etcdutl"]) {
      assert.equal(actions[`/usr/local/bin/${b}`], "install", b);
    }
    const env = await Deno.readTextFile(path.join(root, "etc/default/etcd"));
    assert.match(env, /^ETCD_SNAPSHOT_COUNT=20000$/m, "the operator's edit is still there");
  }, "etcdup-upgrade-onediff-patch-");
});
