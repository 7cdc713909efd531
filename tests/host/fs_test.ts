/**
 * HostRoot resolves like a chroot: symlinks followed inside the root (absolute targets taken relative to
 * it, `..` stopping at it), loops refused, writes replacing a final link instead of going through it,
 * owner/mode never set through a link to a file; stale temp files of dead runs removed. Every case
 * checks that the directory outside the root keeps its content, owner and mode.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { readState, writeState } from "../../lib/host/state.ts";
import { STATE_FILE } from "../../lib/state_record.ts";
import { treeOf } from "../support/root_tree.ts";

/** Runs `body` with a root and an outside dir (owner 1234:1234, 0750, one file) beside it; removes both. */
async function withRoot(body: (root: string, outside: string, host: HostRoot) => Promise<void> | void) {
  const base = await Deno.makeTempDir({ prefix: "etcdup-fs-" });
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside, { mode: 0o750 });
  fs.writeFileSync(path.join(outside, "file"), "outside\n", { mode: 0o640 });
  fs.chownSync(outside, 1234, 1234);
  fs.chownSync(path.join(outside, "file"), 1234, 1234);
  const before = treeOf(outside);
  try {
    await body(root, outside, new HostRoot(root));
    assert.deepEqual(treeOf(outside), before, "the outside dir is unchanged");
    assert.equal(fs.readFileSync(path.join(outside, "file"), "utf8"), "outside\n");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function refused(fn: () => unknown, code: string): EtcdupError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EtcdupError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.exit, Exit.precondition);
    return err;
  }
  throw new Error(`expected ${code}`);
}

Deno.test("HostRoot: absolute and climbing link targets resolve inside the root", () =>
  withRoot((root, outside, host) => {
    fs.mkdirSync(path.join(root, "etc/etcd"), { recursive: true });
    fs.symlinkSync(outside, path.join(root, "etc/etcd/pki")); // absolute: taken relative to the root
    fs.symlinkSync(`../../../../../../../..${outside}`, path.join(root, "etc/default")); // climbs above it
    assert.equal(host.resolve("/etc/etcd/pki/ca.key"), path.join(root, outside, "ca.key"));
    assert.equal(host.resolve("/etc/default/etcd"), path.join(root, outside, "etcd"));
    assert.equal(host.resolve("/../../etc/../etc/default"), path.join(root, outside));
    assert.equal(
      host.resolve("/nope/../../x"),
      path.join(root, "x"),
      "`..` after a missing name stops at the root",
    );
    assert.equal(
      host.resolve("/nope/../etc/default/x"),
      path.join(root, outside, "x"),
      "resolved again after `..`",
    );
    host.ensureDir("/etc/etcd/pki", { uid: 0, gid: 0, mode: 0o700 });
    host.writeAtomic("/etc/etcd/pki/ca.key", "k", { uid: 0, gid: 0, mode: 0o600 });
    host.ensureDir("/etc/default", { uid: 0, gid: 0, mode: 0o755 });
    host.writeAtomic("/etc/default/etcd", "e", { uid: 0, gid: 0, mode: 0o644 });
    assert.equal(fs.readFileSync(path.join(root, outside, "ca.key"), "utf8"), "k");
    assert.equal(host.readText("/etc/default/etcd"), "e");
    assert.equal(host.stat("/etc/etcd/pki")?.isSymlink, true, "stat does not follow the final link");
  }));

Deno.test("HostRoot: a symlink loop is refused; a dangling link is created inside the root", () =>
  withRoot((root, outside, host) => {
    fs.mkdirSync(path.join(root, "var/lib"), { recursive: true });
    fs.symlinkSync("b", path.join(root, "var/lib/a"));
    fs.symlinkSync("/var/lib/a", path.join(root, "var/lib/b"));
    const e = refused(() => host.resolve("/var/lib/a/x"), "path-symlink-loop");
    assert.match(e.message, /\/var\/lib\/a\/x under --root .* more than 40 symbolic links/);
    refused(() => host.ensureDir("/var/lib/a", { uid: 0, gid: 0, mode: 0o700 }), "path-symlink-loop");
    fs.symlinkSync(`${outside}/missing/etcdup`, path.join(root, "var/lib/etcdup"));
    writeState(host, { schema: 1, files: {} } as never);
    assert.ok(fs.statSync(path.join(root, outside, "missing/etcdup/state.json")).isFile());
    assert.equal(fs.existsSync(path.join(outside, "missing")), false);
    assert.equal(readState(host)?.schema, 1);
  }));

Deno.test("HostRoot: a final symlink is replaced by a write, never written through; chown/chmod refuse it", () =>
  withRoot((root, outside, host) => {
    fs.mkdirSync(path.join(root, "var/lib/etcdup"), { recursive: true });
    const link = path.join(root, STATE_FILE);
    fs.symlinkSync(path.join(outside, "file"), link);
    // on the live host the same link would lead outside: setOwnership refuses any link to a file
    const e = refused(
      () => new HostRoot("/").setOwnership(link, { uid: 0, gid: 0, mode: 0o600 }),
      "path-is-symlink",
    );
    assert.match(e.message, /is a symbolic link \(to .*outside\/file\)/);
    refused(() => host.setOwnership(STATE_FILE, { uid: 0, gid: 0, mode: 0o600 }), "path-is-symlink");
    writeState(host, { schema: 1, files: {} } as never);
    assert.ok(fs.lstatSync(link).isFile(), "the link itself was replaced by the state record");
    fs.symlinkSync("/var/lib/etcdup", path.join(root, "data"));
    assert.equal(
      host.setOwnership("/data", { uid: 0, gid: 0, mode: 0o711 }),
      true,
      "a dir link is followed inside",
    );
    assert.equal(fs.statSync(path.join(root, "var/lib/etcdup")).mode & 0o777, 0o711);
    fs.symlinkSync(path.join(outside, "file"), path.join(root, "gone"));
    host.remove("/gone");
    assert.equal(fs.existsSync(path.join(root, "gone")), false, "remove takes the link, not its target");
  }));

Deno.test("HostRoot: temp files of dead runs are removed, a live run's and foreign files are kept", () =>
  withRoot((root, _outside, host) => {
    const dir = path.join(root, "etc");
    fs.mkdirSync(dir);
    const names = [
      ".ca.key.etcdup-999999999-0123456789ab.tmp", // dead pid
      ".ca.key.etcdup-0123456789ab.tmp", // older runs wrote no pid
      `.peer.key.etcdup-${Deno.pid}-0123456789ab.tmp`, // this process: alive
      ".ca.key.tmp", // not etcdup's
    ];
    for (const n of names) fs.writeFileSync(path.join(dir, n), "x");
    assert.deepEqual(host.removeOrphanTemps("/etc").sort(), [`/etc/${names[1]}`, `/etc/${names[0]}`].sort());
    assert.deepEqual(fs.readdirSync(dir).sort(), [names[2], names[3]].sort());
  }));

Deno.test("HostRoot: a FIFO is not read (no hang); owner/mode are not changed through a hard link", () =>
  withRoot(async (root, outside, host) => {
    fs.mkdirSync(path.join(root, "var/lib/etcdup"), { recursive: true });
    await new Deno.Command("mkfifo", { args: [path.join(root, STATE_FILE)] }).output();
    refused(() => readState(host), "not-a-regular-file");
    fs.mkdirSync(path.join(root, "etc/default"), { recursive: true });
    fs.linkSync(path.join(outside, "file"), path.join(root, "etc/default/etcd"));
    const e = refused(
      () => host.setOwnership("/etc/default/etcd", { uid: 0, gid: 0, mode: 0o644 }),
      "path-hard-linked",
    );
    assert.match(e.message, /has 2 hard links/);
    assert.equal(
      host.setOwnership("/etc/default/etcd", { uid: 1234, gid: 1234, mode: 0o640 }),
      false,
      "already right",
    );
    fs.rmSync(path.join(root, "etc/default/etcd"));
  }));
