/**
 * What a re-run of install or join refuses to change on a member (exit 7), with the command that does it:
 * another etcd version (`etcdup upgrade`), another WAL dir under existing data.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { InstallOptions } from "../specs/install.ts";
import type { InstallState } from "../state_record.ts";
import type { InstallPlan } from "../plan/types.ts";
import { compareVersions, parseVersionArg } from "../etcd/version.ts";
import { shellWord } from "../text.ts";
import type { Installer } from "./preconditions.ts";

/** The release flags `etcdup upgrade` shares with install, in the order its command line gives them. */
const UPGRADE_FLAGS = ["tarball", "bundle", "mirror", "mirror-ca", "sha256", "root"] as const;

/** The options {@link upgradeCommand} repeats. */
export type UpgradeFlagOptions = Pick<InstallOptions, typeof UPGRADE_FLAGS[number]>;

/**
 * The `etcdup upgrade` command line that takes a host from etcd `from` to `to` with the release flags and
 * `--root` that install was given (plus `--allow-downgrade` when `to` is older); `--root /`, the live host,
 * is the default and left out.
 * @example upgradeCommand(parseOptions(installFlags, { tarball: "./etcd-v3.4.23-linux-amd64.tar.gz" }), "v3.5.30", "v3.4.23")
 * // "etcdup upgrade --version v3.4.23 --tarball ./etcd-v3.4.23-linux-amd64.tar.gz --allow-downgrade"
 */
export function upgradeCommand(options: UpgradeFlagOptions, from: string, to: string): string {
  const args = ["etcdup", "upgrade", "--version", to];
  for (const flag of UPGRADE_FLAGS) {
    const value = options[flag];
    if (value !== undefined && !(flag === "root" && value === "/")) args.push(`--${flag}`, value);
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
  options: UpgradeFlagOptions,
  command: Installer,
): void {
  if (previous === undefined || previous.version === version) return;
  throw new EtcdupError({
    code: "version-change-needs-upgrade",
    message: `etcd ${previous.version} is installed here (etcdup's state record); ` +
      `etcdup ${command} does not switch it to ${version}`,
    hint: `Changing an installed etcd's version is an upgrade (snapshot first, etcd's supported paths, ` +
      `rollback on failure): run '${upgradeCommand(options, previous.version, version)}'. ` +
      `To keep ${previous.version}, give ${command} that release (--version ${previous.version}, or its tarball).`,
    exit: Exit.precondition,
  });
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
