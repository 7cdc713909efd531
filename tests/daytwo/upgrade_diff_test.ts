/**
 * Upgrade's pure diff (lib/daytwo/upgrade_diff.ts) over host states given as plain data: the same version
 * (nothing), a patch upgrade under --root, a minor upgrade of a running etcd (snapshot, restart, the env
 * file's keys), an env file the operator edited, a minor downgrade, a foreign arch; the refusals (a skipped
 * minor, a downgrade not asked for, a stopped unit, an env file etcdup cannot read back) come before any
 * change; and the dry run's text. tests/daytwo/upgrade_dry_run_equals_apply_test.ts runs real upgrades.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { renderEnvFile } from "../../lib/etcd/env.ts";
import { refusedWith } from "../support/refusal.ts";
import { sha256Hex } from "../../lib/hash.ts";
import type { OwnedFile } from "../../lib/files.ts";
import type { UpgradeObserved } from "../../lib/daytwo/upgrade_observed.ts";
import {
  diffUpgrade,
  renderUpgradeDiff,
  type UpgradeChange,
  upgradeChanges,
  type UpgradeOptions,
} from "../../lib/daytwo/upgrade_diff.ts";
import { ENV_FILES, MEMBER, memberState } from "./fixtures.ts";

const PATHS = { ...ENV_FILES, completionFile: "/usr/share/bash-completion/completions/etcdctl" };
const NOW = new Date("2026-12-02T10:00:00Z");
const OPTS: UpgradeOptions = { allowDowngrade: false, healthTimeoutMs: 60_000, now: NOW };

/** A file as observed and as recorded: root-owned, with this content. */
const file = (content: string, mode = 0o755): OwnedFile & OwnedFile => ({
  sha256: sha256Hex(content),
  uid: 0,
  gid: 0,
  mode,
});

/**
 * What observing an install of etcd `from` shows (binaries of that version, its env file, a completion,
 * all recorded as etcdup wrote them) for an upgrade to `to`; `over` replaces parts.
 */
function observed(from: string, to: string, over: Partial<UpgradeObserved> = {}): UpgradeObserved {
  const bins = from < "v3.5" ? ["etcd", "etcdctl"] : ["etcd", "etcdctl", "etcdutl"];
  const env = renderEnvFile(MEMBER, from, ENV_FILES);
  const files: Record<string, OwnedFile & OwnedFile> = {
    ...Object.fromEntries(bins.map((b) => [`/usr/local/bin/${b}`, file(`${b} ${from}`)])),
    [ENV_FILES.envFile]: file(env, 0o644),
    [PATHS.completionFile]: file("complete -F _etcdctl etcdctl\n", 0o644),
  };
  return {
    state: memberState(files, { version: from }),
    release: { version: to, arch: "amd64", native: true, source: { kind: "tarball", path: "/r.tar.gz" } },
    paths: PATHS,
    files,
    env,
    envLocal: undefined,
    unit: { live: false, active: false },
    ...over,
  };
}

/** The `action path` pairs of a change list. */
const pairs = (changes: UpgradeChange[]) => changes.map((c) => `${c.action} ${c.path}`);

const BACKUP = "/var/lib/etcdup/backups/20261202T100000Z";

Deno.test("upgrade diff: the same version changes nothing", () => {
  const diff = diffUpgrade(observed("v3.5.30", "v3.5.30"), OPTS);
  assertEquals(diff.step.kind, "same");
  assertEquals(upgradeChanges(diff), []);
});

Deno.test("upgrade diff: a patch under --root swaps the binaries, renders the same settings, no snapshot", () => {
  const diff = diffUpgrade(observed("v3.5.30", "v3.5.33"), OPTS);
  assertEquals(diff.step.kind, "patch");
  assertEquals(pairs(upgradeChanges(diff)), [
    `create ${BACKUP}-v3.5.30`,
    "install /usr/local/bin/etcd",
    "install /usr/local/bin/etcdctl",
    "install /usr/local/bin/etcdutl",
    `generate ${PATHS.completionFile}`,
    "update /etc/default/etcd",
    "update /var/lib/etcdup/state.json",
  ]);
  assertEquals(diff.env?.keys, { added: [], removed: [], changed: [] }, "only the header's version changes");
  assertEquals([diff.snapshot, diff.restart], [undefined, false]);
  assertMatch(diff.warnings.join("\n"), /no snapshot and no restart/);
});

Deno.test("upgrade diff: a minor upgrade of a running etcd: snapshot first, the env file's keys, restart", () => {
  const o = observed("v3.4.23", "v3.5.30", { unit: { live: true, active: true } });
  const diff = diffUpgrade(o, { ...OPTS, healthTimeoutMs: 30_000 });
  const changes = upgradeChanges(diff);
  assertEquals(pairs(changes), [
    `create ${BACKUP}-v3.4.23`,
    `snapshot ${BACKUP}-v3.4.23/snapshot.db`,
    "install /usr/local/bin/etcd",
    "install /usr/local/bin/etcdctl",
    "install /usr/local/bin/etcdutl",
    `generate ${PATHS.completionFile}`,
    "update /etc/default/etcd",
    "restart etcd.service",
    "update /var/lib/etcdup/state.json",
  ]);
  const note = (p: string) => changes.find((c) => c.path === p)!.note;
  assertEquals(
    note("/usr/local/bin/etcd"),
    `${o.files["/usr/local/bin/etcd"]!.sha256.slice(0, 12)} -> etcd v3.5.30's`,
  );
  assertEquals(note("/usr/local/bin/etcdutl"), "none -> etcd v3.5.30's", "3.5 brings etcdutl");
  assertEquals(diff.env?.keys, {
    added: ["ETCD_TLS_MIN_VERSION"],
    removed: ["ETCD_CIPHER_SUITES", "ETCD_LOGGER"],
    changed: [],
  });
  assertEquals(diff.env?.text, renderEnvFile(MEMBER, "v3.5.30", ENV_FILES));
  assertMatch(note("etcd.service"), /wait up to 30 s for health/);
  assertEquals(diff.warnings, []);
  assertEquals(diff.keep.length, 5, "every file is kept, the missing etcdutl to be removed on rollback");
  assertEquals(diff.present.includes("/usr/local/bin/etcdutl"), false);
});

Deno.test("upgrade diff: an env file the operator edited is kept, etcdup's rendering beside it", () => {
  const o = observed("v3.4.23", "v3.5.30");
  const edited = `${o.env}ETCD_SNAPSHOT_COUNT=20000\n`;
  const diff = diffUpgrade({
    ...o,
    env: edited,
    files: { ...o.files, [ENV_FILES.envFile]: file(edited, 0o640) },
  }, OPTS);
  assertEquals(diff.env?.action, "keep-edited");
  assertEquals(diff.env?.target, "/etc/default/etcd.etcdup-new");
  assertEquals(diff.env?.own, { uid: 0, gid: 0, mode: 0o640 }, "owned like the env file");
  assertEquals(diff.env?.keys.removed.includes("ETCD_SNAPSHOT_COUNT"), true);
  assertMatch(diff.warnings.join("\n"), /\/etc\/default\/etcd was edited, so it is kept/);
  const c = upgradeChanges(diff).find((x) => x.path === ENV_FILES.envFile)!;
  assertEquals(c.action, "keep-edited");
});

Deno.test("upgrade diff: the operator's override file is named and kept", () => {
  const diff = diffUpgrade(observed("v3.5.30", "v3.5.33", { envLocal: "ETCD_SNAPSHOT_COUNT=5\n" }), OPTS);
  assertEquals(diff.notes, ["/etc/default/etcd.local is yours and kept as it is (sets ETCD_SNAPSHOT_COUNT)"]);
});

Deno.test("upgrade diff: a minor downgrade of a running etcd asks etcd first; a release without etcdutl removes it", () => {
  const o = observed("v3.6.6", "v3.5.33", { unit: { live: true, active: true } });
  const diff = diffUpgrade(o, { ...OPTS, allowDowngrade: true });
  assertEquals(diff.step.kind, "minor-downgrade");
  assertEquals(pairs(upgradeChanges(diff)).includes("downgrade-enable etcd.service"), true);
  assertEquals(diff.downgradeTo, "3.5");
  // No supported path leads to a release without etcdutl: a 3.5.30 tree recorded as 3.4.22 stands for one.
  const tree = observed("v3.5.30", "v3.4.23");
  const to34 = diffUpgrade({ ...tree, state: { ...tree.state, version: "v3.4.22" } }, OPTS);
  assertEquals(to34.binaries.map((b) => `${b.action} ${b.path}`), [
    "install /usr/local/bin/etcd",
    "install /usr/local/bin/etcdctl",
    "remove /usr/local/bin/etcdutl",
  ]);
});

Deno.test("upgrade diff: a foreign arch's etcdctl makes no completion: etcdup's old one is removed", () => {
  const o = observed("v3.5.30", "v3.5.33");
  const diff = diffUpgrade({ ...o, release: { ...o.release, arch: "arm64", native: false } }, OPTS);
  assertEquals(diff.completion, { action: "remove", reason: "an arm64 etcdctl cannot run on this machine" });
});

Deno.test("upgrade diff: refusals come before any change, with their codes", () => {
  refusedWith(() => diffUpgrade(observed("v3.4.23", "v3.6.6"), OPTS), "unsupported-upgrade-path");
  refusedWith(() => diffUpgrade(observed("v3.5.33", "v3.5.30"), OPTS), "downgrade-refused");
  const stopped = observed("v3.5.30", "v3.5.33", { unit: { live: true, active: false } });
  refusedWith(() => diffUpgrade(stopped, OPTS), "not-running");
  refusedWith(
    () => diffUpgrade(observed("v3.5.30", "v3.5.33", { env: "ETCD_NAME=n1\n" }), OPTS),
    "env-incomplete",
  );
});

Deno.test("upgrade diff: the dry run's text lists every change with its note, then warnings and notes", () => {
  const diff = diffUpgrade(observed("v3.5.30", "v3.5.33", { envLocal: "ETCD_SNAPSHOT_COUNT=5\n" }), OPTS);
  const etcd = sha256Hex("etcd v3.5.30").slice(0, 12);
  const etcdctl = sha256Hex("etcdctl v3.5.30").slice(0, 12);
  const etcdutl = sha256Hex("etcdutl v3.5.30").slice(0, 12);
  assertEquals(
    renderUpgradeDiff(diff, upgradeChanges(diff)),
    [
      "would upgrade etcd v3.5.30 -> v3.5.33 (patch):",
      `  create    ${BACKUP}-v3.5.30  copies of the v3.5.30 files for the rollback: /usr/local/bin/etcd, /usr/local/bin/etcdctl, /usr/local/bin/etcdutl, /etc/default/etcd, ${PATHS.completionFile}`,
      `  install   /usr/local/bin/etcd                               ${etcd} -> etcd v3.5.33's`,
      `  install   /usr/local/bin/etcdctl                            ${etcdctl} -> etcd v3.5.33's`,
      `  install   /usr/local/bin/etcdutl                            ${etcdutl} -> etcd v3.5.33's`,
      `  generate  ${PATHS.completionFile}    from etcdctl v3.5.33's 'completion bash', written when its content changes; etcdup's old one removed when it has none`,
      "  update    /etc/default/etcd                                 re-rendered for v3.5.33: no setting changes (its header names the version)",
      "  update    /var/lib/etcdup/state.json                        version v3.5.33, tarball digest, new hashes",
      "warning: no snapshot and no restart: etcd does not run under --root; only files are replaced",
      "note: /etc/default/etcd.local is yours and kept as it is (sets ETCD_SNAPSHOT_COUNT)",
    ].join("\n"),
  );
});
