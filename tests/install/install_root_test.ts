/**
 * `etcdup install --root DIR` end to end with a real release tarball (Debian's etcd packed in the official
 * layout): every file with its owner and mode, the etcd user made by systemd-sysusers inside the tree, the
 * unit enabled there and nothing started; a second run says "no changes"; an edited env file is kept; a
 * new SAN reissues server and peer from the same CA; --dry-run writes nothing; another etcd version than the
 * installed one is refused (exit 7) with the `etcdup upgrade` command, changing nothing.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { type EtcdFixture, etcdFixture } from "../support/etcd_fixtures.ts";
import { exec, type ExecResult } from "../support/exec.ts";
import { sanText } from "../support/openssl.ts";
import { assertRefused } from "../support/refusal.ts";
import { parsePasswd } from "../../lib/host/accounts.ts";
import { parseEnvFile } from "../../lib/etcd/env.ts";

const MAIN = path.resolve(new URL("../../main.ts", import.meta.url).pathname);

function etcdup(args: string[]): Promise<ExecResult> {
  return exec([Deno.execPath(), "run", "-A", "--no-lock", MAIN, ...args], {
    env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1" },
  });
}

function stat(root: string, p: string): { owner: string; mode: string } {
  const st = Deno.lstatSync(path.join(root, p));
  const users = parsePasswd(Deno.readTextFileSync(path.join(root, "etc/passwd")));
  const name = (id: number | null) => id === 0 ? "root" : users.find((u) => u.uid === id)?.name ?? String(id);
  return {
    owner: `${name(st.uid)}:${name(st.gid)}`,
    mode: ((st.mode ?? 0) & 0o7777).toString(8).padStart(4, "0"),
  };
}

/** Runs `body` with a fresh temp dir (removed afterwards) and the `sid` fixture tarball. */
async function inTempRoot(
  prefix: string,
  body: (root: string, fx: EtcdFixture) => Promise<void>,
): Promise<void> {
  const fx = await etcdFixture("sid");
  const root = await Deno.makeTempDir({ prefix });
  try {
    await body(root, fx);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("install --root: files, owners, modes, user, enabled unit; second run changes nothing", () =>
  inTempRoot("etcdup-install-root-", async (root, fx) => {
    const args = [
      "install",
      "--root",
      root,
      "--tarball",
      fx.tarball,
      "--sha256",
      fx.sha256,
      "--san",
      "etcd.example.com",
    ];
    const first = await etcdup(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /etcd v3\.5\.\d+ installed \(not started\)/);

    const want: [string, string, string][] = [
      ["/usr/local/bin/etcd", "root:root", "0755"],
      ["/usr/local/bin/etcdctl", "root:root", "0755"],
      ["/usr/local/bin/etcdutl", "root:root", "0755"],
      ["/var/lib/etcd", "etcd:etcd", "0700"],
      ["/etc/etcd/pki/ca.crt", "root:root", "0644"],
      ["/etc/etcd/pki/ca.key", "root:root", "0600"],
      ["/etc/etcd/pki/server.crt", "root:root", "0644"],
      ["/etc/etcd/pki/server.key", "etcd:etcd", "0600"],
      ["/etc/etcd/pki/peer.key", "etcd:etcd", "0600"],
      ["/etc/etcd/pki/admin.key", "root:root", "0600"],
      ["/etc/systemd/system/etcd.service", "root:root", "0644"],
      ["/etc/default/etcd", "root:root", "0644"],
      ["/etc/profile.d/etcdctl.sh", "root:root", "0644"],
      ["/usr/share/bash-completion/completions/etcdctl", "root:root", "0644"],
      ["/var/lib/etcdup", "root:root", "0700"],
      ["/var/lib/etcdup/state.json", "root:root", "0600"],
      ["/usr/local/bin/etcdup", "root:root", "0755"],
    ];
    for (const [p, owner, mode] of want) assert.deepEqual(stat(root, p), { owner, mode }, p);
    const placed = await exec([path.join(root, "usr/local/bin/etcdup"), "--version"]);
    assert.equal(placed.code, 0, `the placed etcdup (a wrapper of this checkout) runs: ${placed.stderr}`);
    assert.match(placed.stdout, /^etcdup /);

    const etcd = parsePasswd(await Deno.readTextFile(path.join(root, "etc/passwd"))).find((u) =>
      u.name === "etcd"
    );
    assert.equal(etcd?.shell, "/usr/sbin/nologin");
    assert.equal(etcd?.home, "/var/lib/etcd");
    const link = await Deno.readLink(
      path.join(root, "etc/systemd/system/multi-user.target.wants/etcd.service"),
    );
    assert.equal(link, "/etc/systemd/system/etcd.service");
    const env = parseEnvFile(await Deno.readTextFile(path.join(root, "etc/default/etcd")));
    assert.equal(env.ETCD_CLIENT_CERT_AUTH, "true");
    assert.equal(env.ETCD_TLS_MIN_VERSION, "TLS1.2");
    assert.equal(env.ETCD_DATA_DIR, "/var/lib/etcd");
    const unit = await Deno.readTextFile(path.join(root, "etc/systemd/system/etcd.service"));
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/etcd$/m);
    const state = JSON.parse(await Deno.readTextFile(path.join(root, "var/lib/etcdup/state.json")));
    assert.equal(state.version, fx.version);
    assert.equal(state.tarballSha256, fx.sha256);
    assert.ok(
      state.files["/etc/default/etcd"] && state.files["/usr/local/bin/etcd"] &&
        state.files["/etc/etcd/pki/ca.key"] && state.files["/usr/local/bin/etcdup"],
    );
    const san = await sanText(path.join(root, "etc/etcd/pki/server.crt"));
    assert.match(san, /DNS:etcd\.example\.com/);
    assert.match(san, /IP Address:127\.0\.0\.1/);

    const keyBefore = await Deno.readTextFile(path.join(root, "etc/etcd/pki/server.key"));
    const second = await etcdup(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^no changes: /);
    assert.equal(
      await Deno.readTextFile(path.join(root, "etc/etcd/pki/server.key")),
      keyBefore,
      "no new key",
    );
  }));

Deno.test("install --root: an edited env file is kept and reported; a new SAN reissues server and peer only", () =>
  inTempRoot("etcdup-install-edit-", async (root, fx) => {
    const args = ["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256];
    assert.equal((await etcdup(args)).code, 0);
    const envPath = path.join(root, "etc/default/etcd");
    const edited = (await Deno.readTextFile(envPath)) + "ETCD_QUOTA_BACKEND_BYTES=8589934592\n";
    await Deno.writeTextFile(envPath, edited);
    const pki = (f: string) => path.join(root, "etc/etcd/pki", f);
    const ca = await Deno.readTextFile(pki("ca.crt"));
    const admin = await Deno.readTextFile(pki("admin.crt"));
    const server = await Deno.readTextFile(pki("server.crt"));

    const r = await etcdup([...args, "--san", "192.0.2.77"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\/etc\/default\/etcd was edited since etcdup wrote it: kept/);
    assert.equal(await Deno.readTextFile(envPath), edited);
    assert.ok((await Deno.stat(envPath + ".etcdup-new")).isFile);
    assert.match(r.stderr, /reissued server: SAN drift/);
    assert.equal(await Deno.readTextFile(pki("ca.crt")), ca, "same CA");
    assert.equal(await Deno.readTextFile(pki("admin.crt")), admin, "admin kept");
    assert.notEqual(await Deno.readTextFile(pki("server.crt")), server);
    const verify = await exec([
      "openssl",
      "verify",
      "-CAfile",
      pki("ca.crt"),
      pki("server.crt"),
      pki("peer.crt"),
    ]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    const again = await etcdup([...args, "--san", "192.0.2.77"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /edited since etcdup wrote it: kept/, "still reported, still kept");
    assert.match(again.stdout, /^no changes: /);
  }));

Deno.test("install --dry-run writes nothing and lists files with owners and modes; --json is data", () =>
  inTempRoot("etcdup-install-dry-", async (root, fx) => {
    const r = await etcdup(["install", "--root", root, "--tarball", fx.tarball, "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    for (
      const line of [
        /create +0600 etcd:etcd +\/etc\/etcd\/pki\/server\.key/,
        /create +0600 root:root +\/etc\/etcd\/pki\/ca\.key/,
        /create +0644 root:root +\/etc\/default\/etcd/,
        /install +0755 root:root +\/usr\/local\/bin\/etcd /,
        /create +0755 root:root +\/usr\/local\/bin\/etcdup$/m,
        /create +0700 etcd:etcd +\/var\/lib\/etcd/,
        /user etcd: create/,
        new RegExp(`systemctl --root ${root} enable etcd\\.service`),
      ]
    ) assert.match(r.stdout, line);
    assert.deepEqual([...Deno.readDirSync(root)], [], "nothing written");
    const j = await etcdup(["install", "--root", root, "--tarball", fx.tarball, "--dry-run", "--json"]);
    const result = JSON.parse(j.stdout.trim().split("\n").pop()!);
    assert.equal(result.result.plan.release.version, fx.version);
    assert.ok(result.result.plan.files.some((f: { path: string }) => f.path === "/etc/profile.d/etcdctl.sh"));
  }));

Deno.test("install: bad flags exit 2 naming the flag, before anything is written", () =>
  inTempRoot("etcdup-install-bad-", async (root) => {
    for (
      const [args, re, code] of [
        [["--client-port", "99999"], /--client-port/, "bad-port"],
        [["--data-dir", "relative/dir"], /--data-dir/, "relative-path"],
        [
          ["--tarball", "/x.tgz", "--mirror", "https://m.example"],
          /--mirror and --tarball/,
          "conflicting-sources",
        ],
        [["--advertise-address", "not-an-ip"], /--advertise-address/, "bad-address"],
      ] as [string[], RegExp, string][]
    ) {
      const r = await etcdup(["install", "--root", root, ...args, "--json"]);
      assert.match(assertRefused(r, 2, code).message, re, args.join(" "));
    }
    assert.deepEqual([...Deno.readDirSync(root)], []);
  }));

Deno.test("install --bundle DIR without --version takes the newest tarball there for this arch", () =>
  inTempRoot("etcdup-install-bundle-", async (bundle, fx) => {
    await Deno.symlink(fx.tarball, path.join(bundle, path.basename(fx.tarball)));
    const r = await etcdup(["install", "--root", bundle, "--bundle", bundle, "--dry-run", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout.trim().split("\n").pop()!).result.plan;
    assert.equal(plan.release.version, fx.version);
    assert.equal(plan.release.source, `tarball ${path.join(bundle, path.basename(fx.tarball))}`);
  }));

/** SHA-256 of each file in `dir` under `root`, by name. */
async function hashes(root: string, dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(path.join(root, dir))) {
    out[e.name] = createHash("sha256").update(await Deno.readFile(path.join(root, dir, e.name))).digest(
      "hex",
    );
  }
  return out;
}

Deno.test("install --root: another etcd version than the installed one is refused, --dry-run too; nothing changes", () =>
  inTempRoot("etcdup-install-switch-", async (root, fx) => {
    const old = await etcdFixture("bookworm");
    const first = await etcdup(["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256]);
    assert.equal(first.code, 0, first.stderr);
    const statePath = path.join(root, "var/lib/etcdup/state.json");
    const [bins, state] = [await hashes(root, "usr/local/bin"), await Deno.readTextFile(statePath)];
    assert.deepEqual(Object.keys(bins).sort(), ["etcd", "etcdctl", "etcdup", "etcdutl"]);

    const args = ["install", "--root", root, "--tarball", old.tarball, "--sha256", old.sha256];
    for (const extra of [[], ["--dry-run"]]) {
      const refused = assertRefused(
        await etcdup([...args, ...extra, "--json"]),
        7,
        "version-change-needs-upgrade",
      );
      const said = `${refused.message}\n${refused.hint}`;
      assert.match(said, new RegExp(`etcd ${fx.version} is installed here.*switch it to ${old.version}`));
      assert.ok(
        said.includes(
          `etcdup upgrade --version ${old.version} --tarball ${old.tarball} --sha256 ${old.sha256} ` +
            `--root ${root} --allow-downgrade`,
        ),
        said,
      );
    }
    assert.deepEqual(await hashes(root, "usr/local/bin"), bins, "binaries untouched");
    assert.equal(await Deno.readTextFile(statePath), state, "state record untouched");
  }));

Deno.test("install --root --wal-dir: a dedicated WAL dir in the env file, the unit and the record; kept by a re-run, purged by uninstall", () =>
  inTempRoot("etcdup-install-wal-", async (root, fx) => {
    const base = ["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256];
    const preview = await etcdup([...base, "--wal-dir", "/srv/etcd-wal", "--dry-run"]);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /create +0700 etcd:etcd +\/srv\/etcd-wal/);
    const first = await etcdup([...base, "--wal-dir", "/srv/etcd-wal"]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(stat(root, "/srv/etcd-wal"), { owner: "etcd:etcd", mode: "0700" });
    const env = parseEnvFile(await Deno.readTextFile(path.join(root, "etc/default/etcd")));
    assert.equal(env.ETCD_WAL_DIR, "/srv/etcd-wal/wal"); // etcd makes it itself, from a sibling .tmp
    const unit = await Deno.readTextFile(path.join(root, "etc/systemd/system/etcd.service"));
    assert.match(unit, /^ReadWritePaths=\/var\/lib\/etcd \/srv\/etcd-wal$/m);
    const state = JSON.parse(await Deno.readTextFile(path.join(root, "var/lib/etcdup/state.json")));
    assert.equal(state.walDir, "/srv/etcd-wal");

    const again = await etcdup(base); // no --wal-dir: the recorded one is kept
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^no changes: /);

    // once etcd has data, moving its WAL is refused (exit 7) and changes nothing
    await Deno.mkdir(path.join(root, "var/lib/etcd/member"));
    const moved = await etcdup([...base, "--wal-dir", "/srv/other-wal", "--json"]);
    assert.equal(moved.code, 7, moved.stderr);
    assert.match(moved.stdout, /"code":"wal-dir-change"/);
    assert.equal(await Deno.stat(path.join(root, "srv/other-wal")).catch(() => undefined), undefined);

    const purge = await etcdup(["uninstall", "--root", root, "--purge"]);
    assert.equal(purge.code, 0, purge.stderr);
    for (const gone of ["srv/etcd-wal", "var/lib/etcd"]) {
      assert.equal(await Deno.stat(path.join(root, gone)).catch(() => undefined), undefined, gone);
    }
  }));
