/**
 * A directory flag that is a symbolic link is checked where it leads, not by its name: `backup --dir
 * /srv/bk` linked to /etc would chmod /etc to root 0700 (every non-root program on the host stops reading
 * /etc/passwd), linked to the data dir it would make it root 0700 (etcd loses its data), and `install
 * --data-dir /srv/etcd` linked to /etc would hand /etc to the etcd user. Refused with exit 2 and
 * `unsafe-directory` / `overlapping-directories`, nothing changed. Under --root with real links.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { inFakeInstall } from "../daytwo/fixtures.ts";
import { installArgs, lastJson, runEtcdup, withBase } from "../support/root_tree.ts";

/** Owner and mode of a real path, e.g. "0:0 755". */
function ownMode(p: string): string {
  const st = fs.statSync(p);
  return `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`;
}

for (
  const [target, code] of [
    ["/etc", "unsafe-directory"],
    ["../../usr/share/doc", "unsafe-directory"],
    ["/var/lib/etcd", "overlapping-directories"],
    ["/etc/etcd/pki/backups", "unsafe-directory"],
    ["/var/lib/etcd/backups", "overlapping-directories"],
  ]
) {
  Deno.test(`backup --dir linked to ${target}: refused (exit 2, ${code}), the target untouched`, () =>
    inFakeInstall({ "/usr/local/bin/etcd": ["etcd", 0o755] }, {}, async ({ root }) => {
      const real = path.join(root, path.resolve("/srv", target));
      fs.mkdirSync(real, { recursive: true, mode: 0o755 });
      fs.chmodSync(real, 0o755);
      fs.chownSync(real, 1234, 1234);
      fs.mkdirSync(path.join(root, "srv"), { recursive: true });
      fs.symlinkSync(target, path.join(root, "srv/bk"));
      const before = ownMode(real);
      for (const cmd of [["backup"], ["backup", "list"]]) {
        const r = await runEtcdup([...cmd, "--dir", "/srv/bk", "--root", root, "--json"]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.equal(lastJson(r.stdout).code, code, r.stdout);
        assert.match(r.stdout, /--dir \/srv\/bk/);
      }
      assert.equal(ownMode(real), before, "owner and mode of where the link leads kept");
      assert.deepEqual(fs.readdirSync(real), [], "nothing written there");
    }));
}

Deno.test("backup --dir linked to a plain directory elsewhere is fine (only where it leads is checked)", () =>
  inFakeInstall({ "/usr/local/bin/etcd": ["etcd", 0o755] }, {}, async ({ root }) => {
    fs.mkdirSync(path.join(root, "data/backups"), { recursive: true });
    fs.mkdirSync(path.join(root, "srv"), { recursive: true });
    fs.symlinkSync("/data/backups", path.join(root, "srv/bk"));
    const r = await runEtcdup(["backup", "list", "--dir", "/srv/bk", "--root", root, "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }));

Deno.test("install --data-dir linked to /etc: refused (exit 2, unsafe-directory), /etc not handed to etcd", () =>
  withBase("etcdup-leads-", async (base, fx) => {
    const root = path.join(base, "root");
    fs.mkdirSync(path.join(root, "etc"), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(root, "srv"), { recursive: true });
    fs.symlinkSync("/etc", path.join(root, "srv/etcd"));
    const before = ownMode(path.join(root, "etc"));
    const r = await runEtcdup([...installArgs(root, fx, "--data-dir", "/srv/etcd"), "--json"]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(lastJson(r.stdout).code, "unsafe-directory", r.stdout);
    assert.equal(ownMode(path.join(root, "etc")), before);
    assert.deepEqual(fs.readdirSync(path.join(root, "etc")), [], "nothing written into /etc");
  }));
