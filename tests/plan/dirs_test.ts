/**
 * The directory rules (lib/plan/dirs.ts) as a table: every refused directory is a usage error (exit 2) with
 * its stable code naming the flag and why; accepted ones come back normalised. Then the same rules through
 * buildPlan (install, join) and the member checks: duplicate peer URLs, unreachable advertise addresses,
 * empty --root.
 */
import assert from "node:assert/strict";
import {
  checkDir,
  checkDisjoint,
  DEFAULT_BACKUP_DIR,
  type DirChoice,
  type DirRole,
  installedDirs,
} from "../../lib/plan/dirs.ts";
import { backupFlags } from "../../lib/specs/backup.ts";
import { advertiseAddress, rootDir, unreachableAddress } from "../../lib/plan/validate.ts";
import { parseInitialCluster } from "../../lib/plan/cluster.ts";
import type { HostFacts } from "../../lib/facts.ts";
import type { FlagValues } from "../../lib/command.ts";
import { EtcdupError, Exit } from "../../lib/errors.ts";
import { parseCommand } from "../../lib/cli/args.ts";
import { joinSpec } from "../../lib/specs/join.ts";
import { planFromValues } from "../support/install_options.ts";

/** Asserts `fn` throws a usage error with `code` whose message matches `re`. */
function refused(fn: () => unknown, code: string, re: RegExp, label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EtcdupError, `${label}: ${String(e)}`);
    assert.equal(e.exit, Exit.usage, label);
    assert.equal(e.code, code, `${label}: ${e.message}`);
    assert.match(e.message, re, label);
    assert.ok(e.hint && e.hint.length > 0, `${label}: a hint names the fix`);
    return true;
  }, label);
}

const FLAG: Record<DirRole, string> = {
  data: "data-dir",
  wal: "wal-dir",
  bin: "bin-dir",
  pki: "pki-dir",
  backup: "backup-dir",
};
const ALL: DirRole[] = ["data", "wal", "bin", "pki", "backup"];
const STATE: DirRole[] = ["data", "wal", "backup"];

/** [path, roles refusing it (others accept it), why (message part)]. */
const TABLE: [string, DirRole[], RegExp][] = [
  ["/etc", ALL, /is the system directory \/etc/],
  ["/usr", ALL, /system directory \/usr/],
  ["/usr/local", ALL, /system directory/],
  ["/usr/local/bin", STATE.concat("pki"), /system directory \/usr\/local\/bin/],
  ["/usr/bin", STATE.concat("pki"), /system directory/],
  ["/usr/local/bin/etcd-3.6", STATE.concat("pki"), /lies in \/usr/],
  ["/usr/lib/etcd", STATE.concat("pki"), /lies in \/usr/],
  ["/proc", ALL, /system directory \/proc/],
  ["/proc/self/cwd", ALL, /lies in \/proc/],
  ["/sys/fs/etcd", ALL, /lies in \/sys/],
  ["/dev/shm/etcd", ALL, /lies in \/dev/],
  ["/boot/etcd", ALL, /lies in \/boot/],
  ["/run/etcd", ALL, /lies in \/run/],
  ["/var/run/etcd", ALL, /lies in \/var\/run/],
  ["/var", ALL, /system directory \/var/],
  ["/var/lib", ALL, /system directory \/var\/lib/],
  ["/var/log", ALL, /system directory/],
  ["/var/backups", ALL, /system directory \/var\/backups/],
  ["/etc/systemd", ALL, /system directory/],
  ["/etc/systemd/system/etcd", ALL, /lies in \/etc\/systemd/],
  ["/etc/default", ALL, /system directory/],
  ["/etc/ssh", ALL, /system directory/],
  ["/etc/etcd-data", STATE.concat("bin"), /lies in \/etc/],
  ["/etc/kubernetes/pki", ALL, /system directory \/etc\/kubernetes\/pki/], // the Kubernetes CA lives there
  ["/var/lib/dpkg", ALL, /system directory/], // etcd owning dpkg's state would be root
  ["/var/lib/systemd", ALL, /system directory/],
  ["/lib", ALL, /system directory/],
  ["/lib64/etcd", ALL, /lies in \/lib64/],
  ["/bin", ALL, /system directory/],
  ["/sbin/etcd", ALL, /lies in \/sbin/],
  ["/var/lib/etcdup", ALL, /system directory \/var\/lib\/etcdup/],
  ["/var/lib/etcdup/backups", ALL, /lies in \/var\/lib\/etcdup/],
  ["/home", ALL, /ProtectHome/],
  ["/home/ops/etcd", ALL, /lies in \/home, which etcd's unit hides from it \(ProtectHome=yes\)/],
  ["/root/etcd", ALL, /ProtectHome/],
  ["/run/user/0/etcd", ALL, /ProtectHome/],
  ["/tmp/etcd", ALL, /lies in \/tmp.*PrivateTmp=yes/],
  ["/var/tmp/etcd", ALL, /PrivateTmp/],
  ["/opt", ALL, /system directory \/opt/],
  ["/srv", ALL, /system directory/],
  ["/mnt", ALL, /system directory/],
  // accepted for every role
  ["/var/lib/etcd", [], /./],
  ["/var/lib/etcdup-data", [], /./],
  ["/srv/etcd", [], /./],
  ["/opt/etcd/bin", [], /./],
  ["/mnt/nvme0/etcd-wal", [], /./],
  ["/var/backups/etcd", [], /./],
  ["/data/etcd", [], /./],
  ["/etcd", [], /./],
  // the PKI may live in /etc
  ["/etc/etcd/pki", STATE.concat("bin"), /lies in \/etc/],
  ["/etc/kubernetes/pki/etcd", STATE.concat("bin"), /lies in \/etc/],
];

Deno.test("directory rules: the table of refused and accepted directories, per role", () => {
  for (const [dir, refusedBy, why] of TABLE) {
    for (const role of ALL) {
      const label = `--${FLAG[role]} ${dir}`;
      if (refusedBy.includes(role)) {
        refused(() => checkDir(FLAG[role], role, dir), "unsafe-directory", why, label);
        refused(
          () => checkDir(FLAG[role], role, dir),
          "unsafe-directory",
          new RegExp(`--${FLAG[role]} `),
          label,
        );
      } else {
        assert.equal(checkDir(FLAG[role], role, dir), dir, label);
      }
    }
  }
});

Deno.test("directory rules: paths are absolute, normalised and carry no injectable characters", () => {
  const bad: [string, string, RegExp][] = [
    ["var/lib/etcd", "relative-path", /must be an absolute path/],
    ["", "relative-path", /absolute/],
    ["/var/lib/../../etc", "bad-path", /'\.' or '\.\.' segments/],
    ["/var/lib/./etcd", "bad-path", /segments/],
    ["/var/lib/etcd/..", "bad-path", /segments/],
    ["/var/lib/etcd\nExecStartPre=/bin/sh", "bad-path", /\\nExecStartPre/],
    ["/var/lib/etcd\rx", "bad-path", /characters/],
    ["/var/lib/etcd x", "bad-path", /characters/],
    ['/var/lib/etcd"', "bad-path", /characters/],
    ["/var/lib/etcd'", "bad-path", /characters/],
    ["/var/lib/etcd;rm", "bad-path", /characters/],
    ["/var/lib/$HOME", "bad-path", /characters/],
    ["/var/lib/%h", "bad-path", /characters/],
    ["/var/lib/etcd\x1b[2J", "bad-path", /\\u001b/],
    ["/var/lib/étcd", "bad-path", /characters/],
    ["/var/lib/etcd\0", "bad-path", /characters/],
    [`/var/${"x".repeat(256)}`, "bad-path", /too long/],
    ["/", "root-path", /'\/' is not a usable directory/],
    ["//", "root-path", /not a usable/],
  ];
  for (const [raw, code, re] of bad) {
    refused(() => checkDir("data-dir", "data", raw), code, re, JSON.stringify(raw));
  }
  assert.equal(checkDir("data-dir", "data", "/var/lib/etcd/"), "/var/lib/etcd");
  assert.equal(checkDir("data-dir", "data", "/var//lib/etcd"), "/var/lib/etcd");
});

Deno.test("directory rules: no directory may equal, contain or lie inside another", () => {
  const d = (role: DirRole, path: string): DirChoice => ({ flag: FLAG[role], role, path });
  const cases: [DirChoice[], RegExp][] = [
    [[d("data", "/srv/etcd"), d("pki", "/srv/etcd/pki")], /--pki-dir \/srv\/etcd\/pki/],
    [[d("data", "/srv/etcd"), d("bin", "/srv/etcd/bin")], /--data-dir \/srv\/etcd contains --bin-dir/],
    [
      [d("pki", "/srv/etcd/pki"), d("data", "/srv/etcd")],
      /--pki-dir \/srv\/etcd\/pki lies inside --data-dir/,
    ],
    [[d("data", "/srv/etcd"), d("wal", "/srv/etcd")], /is the same directory as --wal-dir/],
    [[d("data", "/srv/etcd"), d("wal", "/srv/etcd/member/wal")], /contains --wal-dir/],
    [[d("wal", "/srv/wal"), d("data", "/srv/wal/data")], /--wal-dir \/srv\/wal contains --data-dir/],
    [[d("data", "/srv/etcd"), d("backup", "/srv/etcd/backups")], /--backup-dir/],
    [[d("bin", "/opt/etcd"), d("pki", "/opt/etcd/pki")], /--bin-dir \/opt\/etcd contains --pki-dir/],
  ];
  for (const [dirs, re] of cases) {
    refused(() => checkDisjoint(dirs), "overlapping-directories", re, dirs.map((x) => x.path).join(" "));
  }
  checkDisjoint([
    d("data", "/srv/etcd"),
    d("wal", "/srv/etcd-wal"),
    d("pki", "/etc/etcd/pki"),
    d("bin", "/usr/local/bin"),
    d("backup", "/var/backups/etcd"),
  ]);
});

const facts: HostFacts = {
  hostname: "node1",
  fqdn: "node1.example.com",
  addresses: [{ address: "10.0.0.5", family: "IPv4" }],
  cpu: "x86_64",
  isRoot: true,
};
const plan = (values: FlagValues) => planFromValues(values, facts, "/", () => "v3.6.6");

Deno.test("a further directory (a backup dir) is kept apart from the installed ones", () => {
  const state = {
    dataDir: "/srv/etcd",
    walDir: "/srv/etcd-wal",
    binDir: "/usr/local/bin",
    pkiDir: "/etc/etcd/pki",
  };
  const backup = (raw: string) =>
    checkDisjoint([
      { flag: "dir", role: "backup", path: checkDir("dir", "backup", raw) },
      ...installedDirs(state),
    ]);
  backup("/var/backups/etcd");
  refused(
    () => backup("/srv/etcd/backups"),
    "overlapping-directories",
    /--dir \/srv\/etcd\/backups lies inside --data-dir/,
    "in data",
  );
  refused(() => backup("/srv/etcd-wal"), "overlapping-directories", /--wal-dir/, "the WAL dir");
  refused(() => backup("/var/lib/etcdup/backups"), "unsafe-directory", /--dir/, "etcdup's state");
});

Deno.test("install/join planning applies the directory rules to --data-dir, --wal-dir, --bin-dir, --pki-dir", () => {
  const cases: [FlagValues, string, RegExp][] = [
    [{ "data-dir": "/etc" }, "unsafe-directory", /--data-dir \/etc is the system directory/],
    [{ "data-dir": "/usr/local/bin" }, "unsafe-directory", /--data-dir \/usr\/local\/bin/],
    [{ "data-dir": "/etc/systemd" }, "unsafe-directory", /--data-dir/],
    [{ "data-dir": "/proc" }, "unsafe-directory", /--data-dir/],
    [{ "data-dir": "/var/lib/etcdup" }, "unsafe-directory", /--data-dir/],
    [{ "data-dir": "/etc/etcd/pki" }, "unsafe-directory", /lies in \/etc/],
    [{ "data-dir": "/srv/etcd", "pki-dir": "/srv/etcd/pki" }, "overlapping-directories", /--data-dir/],
    [{ "data-dir": "/var/lib/etcd", "bin-dir": "/var/lib/etcd/bin" }, "overlapping-directories", /--bin-dir/],
    [{ "pki-dir": "/etc" }, "unsafe-directory", /--pki-dir \/etc/],
    [{ "pki-dir": "/root/pki" }, "unsafe-directory", /ProtectHome/],
    [{ "bin-dir": "/" }, "root-path", /--bin-dir/],
    [{ "bin-dir": "/usr" }, "unsafe-directory", /--bin-dir \/usr/],
    [{ "bin-dir": "/home/me/bin" }, "unsafe-directory", /ProtectHome/],
    [{ "wal-dir": "/tmp/wal" }, "unsafe-directory", /--wal-dir \/tmp\/wal lies in \/tmp/],
    [{ "wal-dir": "/var/lib/etcd" }, "overlapping-directories", /same directory/],
    [{ "wal-dir": "/var/lib/etcd/member/wal" }, "overlapping-directories", /--wal-dir/],
    [{ "wal-dir": "var/wal" }, "relative-path", /--wal-dir/],
  ];
  for (const [values, code, re] of cases) refused(() => plan(values), code, re, JSON.stringify(values));
  const p = plan({ "wal-dir": "/mnt/fast/etcd-wal/" });
  assert.equal(p.paths.walDir, "/mnt/fast/etcd-wal");
  assert.equal(plan({}).paths.walDir, undefined);
});

Deno.test("join takes --wal-dir and plans its directories under the same rules", async () => {
  const join = async (...args: string[]) =>
    plan((await parseCommand(joinSpec, ["https://10.0.0.1:2379", "--ca-from", "/x", ...args], {})).values);
  assert.equal((await join("--wal-dir", "/srv/wal")).paths.walDir, "/srv/wal");
  const refusals: [string[], string][] = [
    [["--data-dir", "/etc"], "unsafe-directory"],
    [["--wal-dir", "/root/wal"], "unsafe-directory"],
    [["--bin-dir", "/var/lib/etcd/bin"], "overlapping-directories"],
  ];
  for (const [args, code] of refusals) {
    await assert.rejects(join(...args), (e: unknown) => {
      assert.ok(e instanceof EtcdupError && e.exit === Exit.usage, String(e));
      assert.equal(e.code, code, args.join(" "));
      return true;
    });
  }
});

Deno.test("advertise addresses: unspecified, multicast and broadcast are refused (flag and --initial-cluster)", () => {
  for (
    const bad of [
      "0.0.0.0",
      "::",
      "[::]",
      "0:0:0:0:0:0:0:0",
      "::ffff:0.0.0.0",
      "0.1.2.3",
      "224.0.0.1",
      "ff02::1",
      "255.255.255.255",
    ]
  ) {
    refused(
      () => advertiseAddress("advertise-address", bad),
      "bad-advertise-address",
      /--advertise-address/,
      bad,
    );
    refused(
      () => plan({ "advertise-address": bad }),
      "bad-advertise-address",
      /cannot reach this node there/,
      bad,
    );
  }
  for (const ok of ["10.0.0.5", "fd00::5", "127.0.0.1", "::1", "::ffff:10.0.0.1"]) {
    assert.equal(unreachableAddress(advertiseAddress("advertise-address", ok)), undefined, ok);
  }
  refused(
    () => parseInitialCluster("a=https://0.0.0.0:2380,b=https://10.0.0.2:2380"),
    "bad-initial-cluster",
    /unspecified address/,
    "0.0.0.0 in --initial-cluster",
  );
  refused(
    () => parseInitialCluster("a=https://[::]:2380"),
    "bad-initial-cluster",
    /member a/,
    ":: in --initial-cluster",
  );
});

Deno.test("--initial-cluster: two members with one peer URL, or one name twice, are refused", () => {
  refused(
    () => parseInitialCluster("a=https://10.0.0.1:2380,b=https://10.0.0.1:2380"),
    "duplicate-peer-url",
    /members 'a' and 'b' have the same peer URL https:\/\/10\.0\.0\.1:2380/,
    "same URL",
  );
  refused(
    () => parseInitialCluster("a=https://[FD00::1]:2380,b=https://[fd00:0::1]:2380/"),
    "duplicate-peer-url",
    /\[fd00::1\]/,
    "same IPv6 URL spelled differently",
  );
  refused(
    () => parseInitialCluster("a=https://10.0.0.1:2380,b=https://[::ffff:10.0.0.1]:2380"),
    "duplicate-peer-url",
    /members 'a' and 'b'/,
    "an IPv4-mapped spelling of the same address",
  );
  refused(
    () => parseInitialCluster("a=https://10.0.0.1:2380,a=https://10.0.0.2:2380"),
    "bad-initial-cluster",
    /listed twice/,
    "same name",
  );
  assert.equal(parseInitialCluster("a=https://10.0.0.1:2380,b=https://10.0.0.1:2381").length, 2);
});

Deno.test("--mirror: spaces and control characters (which URL parsing drops silently) are refused", () => {
  for (
    const bad of ["https://m.example/\n@evil.example/", "https://m.example/a b", "https://m.example/\tx"]
  ) {
    refused(() => plan({ mirror: bad }), "bad-mirror", /--mirror/, JSON.stringify(bad));
  }
  assert.equal(plan({ mirror: "https://m.example/{version}/" }).release.source.kind, "mirror");
});

Deno.test("--root: an empty value (flag or ETCDUP_ROOT=) is refused, not taken as the working directory", () => {
  for (const raw of ["", " ", "\t"]) refused(() => rootDir(raw), "empty-root", /--root/, JSON.stringify(raw));
  assert.equal(rootDir(undefined), "/");
  assert.equal(rootDir("/mnt/image"), "/mnt/image");
});

Deno.test("the backup dir default the help shows is the one planning uses", () => {
  // The specs load at start-up and may not import lib/plan: they write the default out, checked here.
  assert.equal(backupFlags.dir.defaultText, DEFAULT_BACKUP_DIR);
});
