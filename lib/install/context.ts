/**
 * The planning step install and join share: flags and host facts -> plan, `--bundle` resolved to a
 * tarball, the host checked, and the initial cluster of a member that already has data kept as recorded.
 */
import * as path from "node:path";
import { EtcdupError, Exit, notRoot } from "../errors.ts";
import { shellWord } from "../text.ts";
import type { CommandContext, FlagValues } from "../command.ts";
import { HostRoot } from "../host/fs.ts";
import { type InstallState, readState } from "../host/state.ts";
import { gatherFacts } from "../host/facts.ts";
import type { HostFacts } from "../facts.ts";
import { buildPlan } from "../plan/build.ts";
import { checkLeads, installedDirs } from "../plan/dirs.ts";
import { rootDir } from "../plan/validate.ts";
import { keepRecordedCluster } from "../plan/cluster.ts";
import type { InstallPlan, PlannedRelease } from "../plan/types.ts";
import { bundleTarball, checkTarball } from "../release/obtain.ts";
import { readMirrorCa } from "../release/mirror_ca.ts";
import { compareVersions, parseVersionArg } from "../etcd/version.ts";
import { keepRecordedSettings, refuseRename } from "./remembered.ts";

/** The command whose preconditions are checked: the hints differ. */
export type Installer = "install" | "join";

/** Fails unless this host can be installed on (root, systemd running on a live host, --root a directory). */
export function checkPreconditions(host: HostRoot, facts: HostFacts, command: Installer = "install"): void {
  if (!facts.isRoot) {
    throw notRoot(
      command,
      "it creates a user, writes /etc and sets file owners",
      command === "install"
        ? "Run it as root (sudo); 'etcdup install --dry-run' shows the plan without root."
        : "Run it as root (sudo).",
    );
  }
  if (host.isLive && host.stat("/run/systemd/system") === undefined) {
    throw new EtcdupError({
      code: "no-systemd",
      message: "systemd is not running on this host (/run/systemd/system is missing)",
      hint: command === "install"
        ? "etcdup runs etcd as a systemd service; to prepare an image instead, use --root DIR."
        : "etcdup join starts etcd as a systemd service to join the cluster: run it on the booted node " +
          "itself (to prepare an image, use 'etcdup install --root DIR' and join once it boots).",
      exit: Exit.precondition,
    });
  }
  if (!host.isLive && host.stat("/")?.isDirectory !== true) {
    throw new EtcdupError({
      code: "root-missing",
      message: `--root ${host.root} is not a directory`,
      hint: "Create it first (e.g. the mounted image's root).",
      exit: Exit.precondition,
    });
  }
}

/**
 * Resolves a local release source before anything is written: a `--bundle DIR` becomes the tarball it holds
 * for the plan's arch (the `--version` asked for, or the newest one there), and the files a source names (a
 * `--tarball`, a `--mirror-ca`) must be readable. Other plans are returned as they are. `upgrade` passes its
 * release alone.
 */
export function resolveLocalRelease<P extends { release: PlannedRelease }>(
  plan: P,
  versionGiven: boolean,
): P {
  const src = plan.release.source;
  if (src.kind === "tarball") checkTarball(src.path);
  if (src.kind === "mirror" && src.caFile) readMirrorCa(src.caFile);
  if (src.kind !== "bundle") return plan;
  const picked = bundleTarball(src.dir, versionGiven ? plan.release.version : undefined, plan.release.arch);
  return {
    ...plan,
    release: {
      ...plan.release,
      version: picked.version,
      source: { kind: "tarball", path: picked.path },
      bundle: src.dir,
    },
  };
}

/** The release flags `etcdup upgrade` shares with install, in the order its command line gives them. */
const UPGRADE_FLAGS = ["tarball", "bundle", "mirror", "mirror-ca", "sha256", "root"] as const;

/**
 * The `etcdup upgrade` command line that takes a host from etcd `from` to `to` with the release flags and
 * `--root` that install was given (plus `--allow-downgrade` when `to` is older).
 * @example upgradeCommand({ tarball: "./etcd-v3.4.23-linux-amd64.tar.gz" }, "v3.5.30", "v3.4.23")
 * // "etcdup upgrade --version v3.4.23 --tarball ./etcd-v3.4.23-linux-amd64.tar.gz --allow-downgrade"
 */
export function upgradeCommand(values: FlagValues, from: string, to: string): string {
  const args = ["etcdup", "upgrade", "--version", to];
  for (const flag of UPGRADE_FLAGS) {
    const value = values[flag];
    if (typeof value === "string" && value.trim() !== "") args.push(`--${flag}`, value.trim());
  }
  if (compareVersions(parseVersionArg(to), parseVersionArg(from)) < 0) args.push("--allow-downgrade");
  return args.map(shellWord).join(" ");
}

/**
 * Throws (exit 7) when install or join would put another etcd version in place of the one etcdup recorded:
 * changing it is `etcdup upgrade`'s job (snapshot, etcd's supported paths, rollback). The hint names the exact
 * upgrade command. Passes for the recorded version or when there is no record.
 */
export function refuseVersionChange(
  previous: InstallState | undefined,
  version: string,
  values: FlagValues,
  command: Installer,
): void {
  if (previous === undefined || previous.version === version) return;
  throw new EtcdupError({
    code: "version-change-needs-upgrade",
    message: `etcd ${previous.version} is installed here (etcdup's state record); ` +
      `etcdup ${command} does not switch it to ${version}`,
    hint: `Changing an installed etcd's version is an upgrade (snapshot first, etcd's supported paths, ` +
      `rollback on failure): run '${upgradeCommand(values, previous.version, version)}'. ` +
      `To keep ${previous.version}, give ${command} that release (--version ${previous.version}, or its tarball).`,
    exit: Exit.precondition,
  });
}

/**
 * The flags with `--wal-dir` filled in from the state record when none was given: a plain re-run keeps
 * etcd's WAL where install put it (without ETCD_WAL_DIR etcd would look for it in the data dir).
 */
export function keepRecordedWalDir(values: FlagValues, previous: InstallState | undefined): FlagValues {
  if (previous?.walDir === undefined || values["wal-dir"] !== undefined) return values;
  return { ...values, "wal-dir": previous.walDir };
}

/**
 * Throws (exit 7) when a re-run would move etcd's WAL (another `--wal-dir`, or one where the WAL was in the
 * data dir) while the data dir holds a member: etcd would find its snapshots without their log.
 */
export function refuseWalDirChange(
  previous: InstallState | undefined,
  plan: InstallPlan,
  hasData: boolean,
): void {
  if (!hasData || previous === undefined || previous.walDir === plan.paths.walDir) return;
  throw new EtcdupError({
    code: "wal-dir-change",
    message:
      `etcd's WAL is in ${previous.walDir ?? `${previous.dataDir}/member/wal`} (etcdup's state record); ` +
      `--wal-dir ${plan.paths.walDir} would start etcd without it`,
    hint: `Re-run without --wal-dir${previous.walDir ? ` or with --wal-dir ${previous.walDir}` : ""}. ` +
      "Moving a member's WAL is not something etcdup does: stop etcd, move it yourself, then re-run.",
    exit: Exit.precondition,
  });
}

/** A plan ready to apply (or preview) and what it was made against. */
export interface Planned {
  host: HostRoot;
  plan: InstallPlan;
  /** The state record of an earlier install or join, if any. */
  previous: InstallState | undefined;
}

/**
 * Plans `etcdup install` or `join` from the command's flags: host facts gathered, a local source resolved,
 * preconditions checked (not for `--dry-run`, which needs no root), every recorded setting kept that no
 * flag changes (see {@link keepRecordedSettings}), another version refused (see {@link refuseVersionChange}),
 * a rename of a member with data refused (see {@link refuseRename}), and the recorded initial cluster kept
 * once the data dir holds a member or the member joined a cluster (see {@link keepRecordedCluster}).
 * @example const { host, plan, previous } = planFromContext(ctx, "join");
 */
export function planFromContext(ctx: CommandContext, command: Installer): Planned {
  const host = new HostRoot(rootDir(ctx.values.root));
  const facts = gatherFacts(host);
  const asked = buildPlan(ctx.values, facts, host.root); // every flag validated (exit 2) before the host is read
  checkLeads(installedDirs({ ...asked.paths, pkiDir: asked.pki.pkiDir }), (p) => host.target(p));
  if (ctx.values["dry-run"] !== true) checkPreconditions(host, facts, command);
  const previous = readState(host);
  const values = keepRecordedWalDir(keepRecordedSettings(ctx.values, previous), previous);
  const planned = values === ctx.values ? asked : buildPlan(values, facts, host.root);
  const built = resolveLocalRelease(planned, typeof values.version === "string");
  refuseVersionChange(previous, built.release.version, ctx.values, command);
  const hasData = previous !== undefined && host.stat(path.join(built.paths.dataDir, "member")) !== undefined;
  refuseWalDirChange(previous, built, hasData);
  refuseRename(previous, built.member.name, hasData);
  return { host, plan: keepRecordedCluster(built, previous, hasData), previous };
}
