/**
 * The proof that `install --dry-run` shows what install then does: for each host state (fresh, installed,
 * edited env file, renamed host, expiring certificates, a half-install a kill left), under --root with a real
 * release tarball, the dry run's list of changes (`--json`: path + action) equals the one apply's result
 * lists, and both equal what changed in the tree, read independently from the filesystem before and after.
 * The half-install is made by removing what a kill between install's steps leaves missing (the state record,
 * a config file, a certificate whose key was written) and loosening a file's mode; kill_test.ts kills real
 * runs at every rename and checks they converge.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { createHash } from "node:crypto";
import type { EtcdFixture } from "../support/etcd_fixtures.ts";
import { installArgs, lastJson, runEtcdup, withBase } from "../support/root_tree.ts";

/** One path of a tree as the comparison needs it (a file's digest and inode, so a rewrite shows). */
interface Seen {
  dir: boolean;
  sha256?: string;
  ino?: number | null;
  owner: string;
}

/** Every directory and regular file under `root` (symbolic links left out: `systemctl enable` makes them). */
function snapshot(root: string): Map<string, Seen> {
  const out = new Map<string, Seen>();
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(path.join(root, rel))) {
      const p = path.posix.join(rel, e.name);
      const st = Deno.lstatSync(path.join(root, p));
      const owner = `${st.uid}:${st.gid}:${((st.mode ?? 0) & 0o7777).toString(8)}`;
      if (st.isDirectory) {
        out.set(p, { dir: true, owner });
        walk(p);
      } else if (st.isFile) {
        const sha256 = createHash("sha256").update(Deno.readFileSync(path.join(root, p))).digest("hex");
        out.set(p, { dir: false, sha256, ino: st.ino, owner });
      }
    }
  };
  walk("/");
  return out;
}

/**
 * What the run may change besides the diff's entries: the account files (the user is its own line), PKI
 * backups of replaced files, and the parents of new files (made root 0755 on the way).
 */
function incidental(p: string, listedDirs: Set<string>, seen: Seen): boolean {
  return /^\/etc\/(passwd|group|shadow|gshadow)-?$/.test(p) || p.startsWith("/etc/etcd/pki/backup") ||
    (seen.dir && !listedDirs.has(p));
}

/** How a path changed between two snapshots: created, its content rewritten, only owner/mode fixed. */
function changeOf(before: Seen | undefined, after: Seen | undefined): string | undefined {
  if (after === undefined) return before === undefined ? undefined : "removed";
  if (before === undefined) return "create";
  if (!after.dir && (before.sha256 !== after.sha256 || before.ino !== after.ino)) return "write";
  return before.owner !== after.owner ? "fix" : undefined;
}

interface Entry {
  path: string;
  action: string;
}

/** The filesystem change an entry of the list stands for (a kept edit: etcdup's version put beside it). */
function expected(e: Entry, before: Map<string, Seen>): [string, string] {
  switch (e.action) {
    case "create":
      return [e.path, "create"];
    case "keep-edited": {
      const beside = `${e.path}.etcdup-new`;
      return [beside, before.has(beside) ? "write" : "create"];
    }
    case "fix-owner-mode":
    case "fix-owner":
      return [e.path, "fix"];
    default: // update, replace, install, generate: the new bytes, in a new file when there was none
      return [e.path, before.has(e.path) ? "write" : "create"];
  }
}

/** The path + action pairs of a list of changes, sorted; the completion's "generate" as what it came to. */
function pairs(list: Entry[], before: Map<string, Seen>): string[] {
  return list.map((e) =>
    e.action === "generate"
      ? `${e.path} ${before.has(e.path) ? "update" : "create"}`
      : `${e.path} ${e.action}`
  ).sort();
}

/**
 * Runs the dry run and then the install on `root`, and checks the three lists agree. An "install" of a
 * binary whose bytes were already the release's may leave the file as it is: then its digest must be the
 * release's (`release`, read from a fresh install), which the installed one is.
 */
async function dryRunThenApply(
  root: string,
  args: string[],
  release?: Map<string, string>,
): Promise<Entry[]> {
  const dry = await runEtcdup([...args, "--dry-run", "--json"]);
  assert.equal(dry.code, 0, dry.stderr);
  const planned = (lastJson(dry.stdout).result as { changes: Entry[] }).changes;
  const before = snapshot(root);
  const run = await runEtcdup([...args, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const done = (lastJson(run.stdout).result as { changes: Entry[] }).changes;
  const after = snapshot(root);

  assert.deepEqual(pairs(done, before), pairs(planned, before), "apply did what the dry run said");

  const listedDirs = new Set(planned.filter((e) => after.get(e.path)?.dir).map((e) => e.path));
  const fsChanges = new Map<string, string>();
  for (const p of new Set([...before.keys(), ...after.keys()])) {
    const c = changeOf(before.get(p), after.get(p));
    const seen = after.get(p) ?? before.get(p)!;
    if (c !== undefined && !incidental(p, listedDirs, seen)) fsChanges.set(p, c);
  }
  const want = new Map(planned.map((e) => expected(e, before)));
  for (const [p, c] of want) {
    if (c === "write" && !fsChanges.has(p) && release?.has(p)) {
      assert.equal(after.get(p)?.sha256, release.get(p), `${p}: the release's bytes`);
      want.delete(p);
    }
  }
  assert.deepEqual(
    Object.fromEntries([...fsChanges].sort()),
    Object.fromEntries([...want].sort()),
    "the tree changed as listed",
  );
  return planned;
}

/** Installs fixture `fx` into a fresh `root` named `node-a` (the root's /etc/hostname), with `extra` flags. */
async function freshInstall(root: string, fx: EtcdFixture, ...extra: string[]): Promise<Entry[]> {
  await Deno.mkdir(path.join(root, "etc"), { recursive: true });
  await Deno.writeTextFile(path.join(root, "etc/hostname"), "node-a\n");
  return await dryRunThenApply(root, installArgs(root, fx, ...extra));
}

/** The release's binaries as installed in `root` (path -> digest). */
function releaseBinaries(root: string): Map<string, string> {
  const snap = snapshot(root);
  return new Map(
    ["etcd", "etcdctl", "etcdutl"].map((
      b,
    ) => [`/usr/local/bin/${b}`, snap.get(`/usr/local/bin/${b}`)!.sha256!]),
  );
}

Deno.test("dry run = apply: a fresh host, then an installed one (nothing to do, nothing done)", () =>
  withBase("etcdup-onediff-fresh-", async (root, fx) => {
    const fresh = await freshInstall(root, fx);
    assert.ok(fresh.some((e) => e.path === "/usr/local/bin/etcd" && e.action === "install"));
    assert.ok(fresh.some((e) => e.path === "/var/lib/etcdup/state.json" && e.action === "create"));
    const again = await dryRunThenApply(root, installArgs(root, fx));
    assert.deepEqual(again, [], "an installed host: no changes, and none made");
  }));

Deno.test("dry run = apply: an edited env file is kept, etcdup's version beside it", () =>
  withBase("etcdup-onediff-edited-", async (root, fx) => {
    await freshInstall(root, fx);
    await Deno.writeTextFile(path.join(root, "etc/default/etcd"), "# edited by the operator\n", {
      append: true,
    });
    const changes = await dryRunThenApply(root, installArgs(root, fx, "--san", "edited.example.com"));
    assert.ok(changes.some((e) => e.path === "/etc/default/etcd" && e.action === "keep-edited"));
  }));

Deno.test("dry run = apply: a renamed host", () =>
  withBase("etcdup-onediff-renamed-", async (root, fx) => {
    await freshInstall(root, fx);
    await Deno.writeTextFile(path.join(root, "etc/hostname"), "node-b.example.com\n");
    const changes = await dryRunThenApply(root, installArgs(root, fx));
    // The member keeps its recorded name; the new host names are SAN drift: server and peer reissued.
    for (const leaf of ["server", "peer"]) {
      assert.ok(changes.some((e) => e.path === `/etc/etcd/pki/${leaf}.crt` && e.action === "replace"), leaf);
    }
    assert.ok(
      !changes.some((e) => e.path === "/etc/etcd/pki/admin.crt"),
      "the admin client has no host SANs",
    );
  }));

Deno.test("dry run = apply: expiring certificates are reissued", () =>
  withBase("etcdup-onediff-expiring-", async (root, fx) => {
    await freshInstall(root, fx, "--cert-days", "10");
    const changes = await dryRunThenApply(root, installArgs(root, fx));
    for (const leaf of ["server", "peer", "admin"]) {
      assert.ok(changes.some((e) => e.path === `/etc/etcd/pki/${leaf}.crt` && e.action === "replace"), leaf);
    }
  }));

Deno.test("dry run = apply: a half-install a kill left (record, config and a certificate missing)", () =>
  withBase("etcdup-onediff-killed-", async (root, fx) => {
    await freshInstall(root, fx);
    const release = releaseBinaries(root);
    for (const p of ["var/lib/etcdup/state.json", "etc/default/etcd", "etc/etcd/pki/server.crt"]) {
      await Deno.remove(path.join(root, p));
    }
    await Deno.chmod(path.join(root, "etc/profile.d/etcdctl.sh"), 0o600);
    const changes = await dryRunThenApply(root, installArgs(root, fx), release);
    assert.ok(changes.some((e) => e.path === "/usr/local/bin/etcd" && e.action === "install"), "no record");
    assert.ok(changes.some((e) => e.path === "/etc/profile.d/etcdctl.sh" && e.action === "fix-owner-mode"));
  }));
