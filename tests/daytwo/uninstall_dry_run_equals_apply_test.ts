/**
 * The proof that `uninstall --dry-run` shows what uninstall then does: for each host state (installed
 * untouched, an edited env file, --purge, --purge-backups with snapshots, already uninstalled with remains,
 * half-uninstalled), under --root on a fake installation, the dry run's lists (`--json`) are what apply
 * removed and kept, read independently from the filesystem before and after; the dry run itself changes
 * nothing, and apply reports the very plan the dry run printed.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { main } from "../../main.ts";
import type { HostRoot } from "../../lib/host/fs.ts";
import { REMAINS_FILE, STATE_DIR, STATE_FILE } from "../../lib/state_record.ts";
import { snapshotFileName } from "../../lib/backup/names.ts";
import { isUnder, type UninstallPlan } from "../../lib/daytwo/uninstall_plan.ts";
import { inFakeMember } from "./fixtures.ts";

const BACKUP_DIR = "/var/backups/etcd";
const root0 = { uid: 0, gid: 0 };

/** Every directory ("dir") and regular file (its sha256) under `root`, by target path. */
function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(path.join(root, rel))) {
      const p = path.posix.join(rel, e.name);
      if (e.isDirectory) {
        out.set(p, "dir");
        walk(p);
      } else if (e.isFile) {
        out.set(p, createHash("sha256").update(Deno.readFileSync(path.join(root, p))).digest("hex"));
      }
    }
  };
  walk("/");
  return out;
}

interface Result {
  plan: UninstallPlan;
  backups?: { dir: string; snapshots: string[]; purge: boolean };
  reason?: string;
  dryRun?: boolean;
  uninstalled?: boolean;
}

/** Runs `etcdup uninstall ARGS --root root --json` in process: its exit code and result. */
async function uninstall(root: string, ...args: string[]): Promise<{ code: number; result: Result }> {
  const chunks: string[] = [];
  const write = Deno.stdout.writeSync;
  Deno.stdout.writeSync = (b: Uint8Array) => (chunks.push(new TextDecoder().decode(b)), b.length);
  let code: number;
  try {
    code = await main(["uninstall", ...args, "--root", root, "--json"], {});
  } finally {
    Deno.stdout.writeSync = write;
  }
  const events = chunks.join("").trim().split("\n").map((l) => JSON.parse(l));
  return { code, result: events.find((e) => e.event === "result")!.result };
}

/** The files (not directories) the dry run says go: the plan's, what its trees hold, the snapshots. */
function filesToGo(plan: UninstallPlan, r: Result, before: Map<string, string>): Set<string> {
  const files = [...before].filter(([, v]) => v !== "dir").map(([p]) => p);
  const snapshots = r.backups?.purge ? r.backups.snapshots.flatMap((s) => [s, `${s}.json`]) : [];
  return new Set([
    ...plan.remove,
    ...files.filter((p) => plan.removeTrees.some((t) => isUnder(p, t))),
    ...snapshots,
  ]);
}

/**
 * Runs the dry run then the run with `flags` and checks they agree (see the module doc). The record files
 * (state, remains) are the run's own, not on the plan's lists.
 */
async function dryRunEqualsApply(root: string, flags: string[]): Promise<Result> {
  const before = tree(root);
  const dry = await uninstall(root, ...flags, "--dry-run");
  assert.equal(dry.code, 0, "dry run");
  assert.deepEqual(tree(root), before, "the dry run changed nothing");
  const run = await uninstall(root, ...flags);
  assert.equal(run.code, 0, "run");
  const after = tree(root);
  const { plan } = dry.result;
  assert.deepEqual(run.result.plan, plan, "the run carried out the plan the dry run printed");
  assert.deepEqual(run.result.backups, dry.result.backups);

  const removedFiles = [...before].filter(([p, v]) => v !== "dir" && !after.has(p)).map(([p]) => p);
  const records = [STATE_FILE, REMAINS_FILE].filter((p) => before.has(p) && !after.has(p));
  const expected = dry.result.reason === "already-uninstalled"
    ? new Set<string>()
    : filesToGo(plan, dry.result, before);
  assert.deepEqual(
    removedFiles.filter((p) => !records.includes(p)).sort(),
    [...expected].sort(),
    "removed files = the dry run's",
  );
  for (const p of [...plan.keptEdited, ...plan.keptPki]) {
    assert.equal(after.get(p), before.get(p), `${p}: kept as it was`);
  }
  for (const d of plan.keptDirs) assert.equal(after.get(d), "dir", `${d}/ kept`);
  for (const p of plan.alreadyGone) assert.equal(before.has(p), false, `${p} was already gone`);
  const changed = [...after].filter(([p, v]) => before.get(p) !== v).map(([p]) => p);
  assert.deepEqual(changed.filter((p) => p !== REMAINS_FILE), [], "nothing written but the remains record");
  const removedDirs = [...before].filter(([p, v]) => v === "dir" && !after.has(p)).map(([p]) => p);
  for (const d of removedDirs) {
    const listed = plan.removeIfEmpty.includes(d) || plan.removeTrees.some((t) => isUnder(d, t)) ||
      d === STATE_DIR || (dry.result.backups?.purge && d === dry.result.backups.dir);
    assert.ok(listed, `${d}/ removed only as listed`);
  }
  for (const d of plan.removeIfEmpty) {
    const empty = ![...after.keys()].some((p) => p !== d && isUnder(p, d));
    if (empty) assert.equal(after.has(d), false, `${d}/ emptied, so removed`);
  }
  return dry.result;
}

/** Two etcdup snapshots with their records in the backup dir. */
function snapshots(host: HostRoot): string[] {
  host.ensureDir(BACKUP_DIR, { ...root0, mode: 0o700 });
  return [1, 2].map((h) => {
    const n = snapshotFileName(new Date(Date.UTC(2026, 10, 30, h)), "n1", "v3.5.30");
    host.writeAtomic(`${BACKUP_DIR}/${n}`, "snapshot", { ...root0, mode: 0o600 });
    host.writeAtomic(`${BACKUP_DIR}/${n}.json`, JSON.stringify({ schema: 1, file: n }), {
      ...root0,
      mode: 0o600,
    });
    return `${BACKUP_DIR}/${n}`;
  });
}

Deno.test("uninstall --dry-run equals the run: installed, untouched", () =>
  inFakeMember(async ({ root }) => {
    const plan = (await dryRunEqualsApply(root, [])).plan;
    assert.deepEqual(plan.keptPki, ["/etc/etcd/pki/ca.crt", "/etc/etcd/pki/server.key"]);
    assert.equal(plan.remove.length, 5);
  }));

Deno.test("uninstall --dry-run equals the run: an edited env file is kept", () =>
  inFakeMember(async ({ root, host }) => {
    host.writeAtomic("/etc/default/etcd", "ETCD_NAME=n1\nETCD_QUOTA=1\n", { ...root0, mode: 0o644 });
    assert.deepEqual((await dryRunEqualsApply(root, [])).plan.keptEdited, ["/etc/default/etcd"]);
  }));

Deno.test("uninstall --dry-run equals the run: --purge, with a PKI backup and snapshots kept", () =>
  inFakeMember(async ({ root, host }) => {
    host.ensureDir("/etc/etcd/pki/backup/20261201T101500Z", { ...root0, mode: 0o700 });
    host.writeAtomic("/etc/etcd/pki/backup/20261201T101500Z/server.key", "old", { ...root0, mode: 0o600 });
    const snaps = snapshots(host);
    const res = await dryRunEqualsApply(root, ["--purge"]);
    assert.ok(res.plan.remove.includes("/etc/etcd/pki/backup/20261201T101500Z/server.key"));
    for (const s of snaps) assert.ok(host.stat(s), `${s} kept without --purge-backups`);
  }));

Deno.test("uninstall --dry-run equals the run: --purge-backups with snapshots", () =>
  inFakeMember(async ({ root, host }) => {
    const snaps = snapshots(host);
    assert.deepEqual(
      (await dryRunEqualsApply(root, ["--purge-backups"])).backups?.snapshots.sort(),
      snaps.sort(),
    );
  }));

Deno.test("uninstall --dry-run equals the run: already uninstalled, remains recorded (plain, then --purge)", () =>
  inFakeMember(async ({ root }) => {
    assert.equal((await uninstall(root)).code, 0);
    assert.equal((await dryRunEqualsApply(root, [])).reason, "already-uninstalled");
    const purge = await dryRunEqualsApply(root, ["--purge"]);
    assert.ok(purge.plan.remove.includes("/etc/etcd/pki/ca.crt"));
  }));

Deno.test("uninstall --dry-run equals the run: half-uninstalled (some files already gone)", () =>
  inFakeMember(async ({ root, host }) => {
    host.remove("/usr/local/bin/etcd");
    host.remove("/etc/profile.d/etcdctl.sh");
    const plan = (await dryRunEqualsApply(root, [])).plan;
    assert.deepEqual(plan.alreadyGone, ["/etc/profile.d/etcdctl.sh", "/usr/local/bin/etcd"]);
  }));
