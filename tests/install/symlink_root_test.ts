/**
 * `etcdup install --root` in a tree whose directories are symlinks pointing outside it (absolute targets,
 * and relative ones climbing above the root): everything lands inside the root where a chroot would put
 * it, and the outside directories keep their content, owner and mode. A key or certificate that is a
 * symlink or has another hard link is refused (exit 7) and the file it shares is left alone; a renewal
 * backs a key up with its own mode, never wider than 0600.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HostRoot } from "../../lib/host/fs.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";

import { installArgs, lastJson, runEtcdup, treeOf, withBase } from "../support/root_tree.ts";
import { makePki, planOn, request, tempRoot, writeOn } from "../pki/helpers.ts";

/** The directories planted as links pointing outside the root (/etc/systemd/system: its own test). */
const LINKED = ["var/lib/etcdup", "etc/etcd/pki", "var/lib/etcd", "etc/default", "usr/local/bin"];

/** Plants each of `dirs` in `root` as a link to its own dir (1234:1234 0750) under `outside`. */
function plant(root: string, outside: string, dirs: string[]): void {
  for (const [i, dir] of dirs.entries()) {
    const target = path.join(outside, String(i));
    fs.mkdirSync(target, { recursive: true, mode: 0o750 });
    fs.chownSync(target, 1234, 1234);
    fs.mkdirSync(path.join(root, path.dirname(dir)), { recursive: true });
    // even: absolute (a host path); odd: relative, climbing far above the root
    const link = i % 2 === 0 ? target : `${"../".repeat(12)}${target.slice(1)}`;
    fs.symlinkSync(link, path.join(root, dir));
  }
  fs.chownSync(outside, 1234, 1234);
}

Deno.test("install --root: directories linked outside the root are followed inside it; the outside is untouched", () =>
  withBase("etcdup-links-", async (base, fx) => {
    const root = path.join(base, "root");
    const outside = path.join(base, "outside");
    plant(root, outside, LINKED);
    const before = treeOf(outside);
    const args = installArgs(root, fx);
    const first = await runEtcdup(args);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(treeOf(outside), before, "nothing written, chowned or chmodded outside the root");
    const inside = (i: number, f: string) => path.join(root, outside, String(i), f);
    assert.ok(fs.statSync(inside(0, "state.json")).isFile());
    assert.ok(fs.statSync(inside(1, "server.key")).isFile());
    assert.equal(fs.statSync(inside(1, "server.key")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(root, outside, "2")).mode & 0o777, 0o700, "data dir inside the root");
    assert.ok(fs.statSync(inside(3, "etcd")).isFile());
    assert.ok(fs.statSync(inside(4, "etcd")).isFile());
    const again = await runEtcdup(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^no changes: /);
    assert.deepEqual(treeOf(outside), before);
  }));

Deno.test("install --root: a linked /etc/systemd/system is refused (exit 7) after writing only inside the root", () =>
  withBase("etcdup-unitlink-", async (base, fx) => {
    const root = path.join(base, "root");
    const outside = path.join(base, "outside");
    plant(root, outside, ["etc/systemd/system"]);
    const before = treeOf(outside);
    const r = await runEtcdup(installArgs(root, fx, "--json"));
    assert.equal(r.code, 7, r.stdout);
    assert.equal(lastJson(r.stdout).code, "unit-dir-is-symlink");
    assert.deepEqual(treeOf(outside), before);
    assert.ok(
      fs.statSync(path.join(root, outside, "0", "etcd.service")).isFile(),
      "the unit went inside the root",
    );
  }));

Deno.test("install --root: a key that is a symlink or hard-linked is refused (exit 7) and its target kept", () =>
  withBase("etcdup-keylink-", async (base, fx) => {
    const root = path.join(base, "root");
    fs.mkdirSync(root);
    const args = installArgs(root, fx);
    assert.equal((await runEtcdup(args)).code, 0);
    const outsideFile = path.join(base, "elsewhere.key");
    fs.writeFileSync(outsideFile, fs.readFileSync(path.join(root, "etc/etcd/pki/server.key")), {
      mode: 0o644,
    });
    fs.chownSync(outsideFile, 1234, 1234);
    const pki = (f: string) => path.join(root, "etc/etcd/pki", f);
    for (const [link, code] of [["symlink", "pki-file-is-symlink"], ["hardlink", "pki-file-hard-linked"]]) {
      fs.rmSync(pki("server.key"));
      if (link === "symlink") fs.symlinkSync(`../../../../../../${outsideFile}`, pki("server.key"));
      else fs.linkSync(outsideFile, pki("server.key"));
      const r = await runEtcdup([...args, "--json"]);
      const err = lastJson(r.stdout);
      assert.equal(r.code, 7, r.stdout);
      assert.equal(err.code, code);
      assert.match(String((err as { message?: string }).message), /etc\/etcd\/pki\/server\.key/);
      const st = fs.statSync(outsideFile);
      assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [1234, 1234, 0o644], `${link}: target untouched`);
    }
  }));

Deno.test("PKI renewal: a key's backup keeps its own mode, never wider than 0600", async () => {
  const t = await tempRoot();
  try {
    await makePki(t.host, request());
    const P = pkiPaths("etcd", "/etc/etcd/pki");
    const real = (p: string) => path.join(t.root, p);
    fs.chmodSync(real(P.serverKey), 0o644); // too wide: the backup must not copy that
    fs.chmodSync(real(P.peerKey), 0o400); // narrower: kept as is
    const plan = await planOn(request({ reissue: ["server", "peer"] }), t.host);
    const done = writeOn(plan, t.host, new Date());
    const mode = (p: string) => fs.statSync(real(p)).mode & 0o777;
    const backup = (p: string) => done.backups.find((b) => b.path === p)!.backup;
    assert.equal(mode(backup(P.serverKey)), 0o600);
    assert.equal(mode(backup(P.peerKey)), 0o400);
    assert.equal(mode(backup(P.serverCert)), 0o644);
    assert.equal(mode(P.serverKey), 0o600, "the new key itself is 0600");
    assert.ok(new HostRoot(t.root).stat(done.backupDir!)?.isDirectory);
  } finally {
    await t.cleanup();
  }
});
