/**
 * etcd's supported upgrade paths, as a pure function of two versions. etcd supports patch upgrades within a
 * minor and minor upgrades one at a time, and documents a minimum patch before some minor jumps
 * (https://etcd.io/docs/v3.7/upgrades/upgrading-etcd/, .../upgrade_3_6/, .../upgrade_3_7/). Downgrades are
 * refused unless asked for; a minor downgrade then follows etcd's downgrade procedure
 * (https://etcd.io/docs/v3.6/downgrades/downgrade_3_6/: `etcdctl downgrade validate` and `enable` first).
 */
import { type CodeWithExit, EtcdupError, Exit } from "../errors.ts";
import {
  compareVersions,
  type EtcdVersion,
  formatVersion,
  parseVersionArg,
  releaseLine,
} from "../etcd/version.ts";

/** What kind of step an upgrade is. */
export type StepKind = "same" | "patch" | "minor" | "patch-downgrade" | "minor-downgrade";

/** A step etcdup agreed to take, with notes to print. */
export interface UpgradeStep {
  from: string;
  to: string;
  kind: StepKind;
  /** Extra things the operator should know (recommendations that are not enforced). */
  notes: string[];
}

/** A documented minimum patch before leaving a minor, with where etcd says so. */
export interface MinimumPatch {
  /** Lowest version of this minor that may be upgraded to the next minor, e.g. "v3.5.32". */
  version: string;
  /** The etcd documentation page stating it. */
  source: string;
}

/**
 * Minimum patch of a minor before upgrading to the next minor, keyed by "MAJOR.MINOR" of the source version.
 * Minors without an entry (3.4) have no documented minimum beyond "the most recent patch is recommended".
 */
export const MINIMUM_PATCH_BEFORE_MINOR: Readonly<Record<string, MinimumPatch>> = {
  "3.5": { version: "v3.5.32", source: "https://etcd.io/docs/v3.7/upgrades/upgrade_3_6/" },
  "3.6": { version: "v3.6.11", source: "https://etcd.io/docs/v3.7/upgrades/upgrade_3_7/" },
};

/** The first minor whose etcdctl has `downgrade validate|enable` (etcd's minor-downgrade procedure). */
const FIRST_MINOR_WITH_DOWNGRADE_API = 6;

function refuse(code: CodeWithExit<typeof Exit.precondition>, message: string, hint: string): EtcdupError {
  return new EtcdupError({ code, message, hint, exit: Exit.precondition });
}

/**
 * Decides whether etcd supports going from `from` to `to` on this member, or throws an EtcdupError
 * (exit 7) naming the rule and the way forward.
 * @example checkUpgradePath("v3.4.23", "v3.5.30").kind // "minor"
 */
export function checkUpgradePath(
  from: string,
  to: string,
  opts: { allowDowngrade?: boolean } = {},
): UpgradeStep {
  const a = parseVersionArg(from);
  const b = parseVersionArg(to);
  const [fromV, toV] = [formatVersion(a), formatVersion(b)];
  const step = (kind: StepKind, notes: string[] = []): UpgradeStep => ({ from: fromV, to: toV, kind, notes });
  if (a.major !== b.major) {
    throw refuse(
      "unsupported-upgrade-path",
      `etcd ${fromV} -> ${toV} crosses a major version, which etcdup does not do`,
      "Follow etcd's migration guide for that major version by hand.",
    );
  }
  const cmp = compareVersions(b, a);
  if (cmp === 0) return step("same");
  if (cmp < 0) return checkDowngrade(a, b, opts.allowDowngrade === true, step);
  if (b.minor === a.minor) return step("patch");
  if (b.minor > a.minor + 1) {
    const next = `${a.major}.${a.minor + 1}`;
    throw refuse(
      "unsupported-upgrade-path",
      `etcd ${fromV} -> ${toV} skips a minor version; etcd supports one minor at a time`,
      `Upgrade to the newest ${next}.x first ('etcdup upgrade --version latest-${next}'), then to ${toV}.`,
    );
  }
  const min = MINIMUM_PATCH_BEFORE_MINOR[releaseLine(a)];
  if (min && compareVersions(a, min.version) < 0) {
    throw refuse(
      "minimum-patch-required",
      `etcd ${fromV} must be at ${min.version} or later before moving to ${b.major}.${b.minor} (${min.source})`,
      `Upgrade to the newest ${a.major}.${a.minor}.x first ('etcdup upgrade --version latest-${a.major}.${a.minor}'), then to ${toV}.`,
    );
  }
  return step(
    "minor",
    min ? [] : [
      `etcd recommends the most recent ${a.major}.${a.minor}.x patch before a minor upgrade (https://etcd.io/docs/v3.7/upgrades/upgrading-etcd/).`,
    ],
  );
}

function checkDowngrade(
  a: EtcdVersion,
  b: EtcdVersion,
  allowed: boolean,
  step: (kind: StepKind, notes?: string[]) => UpgradeStep,
): UpgradeStep {
  const [fromV, toV] = [formatVersion(a), formatVersion(b)];
  if (!allowed) {
    throw refuse(
      "downgrade-refused",
      `etcd ${toV} is older than the installed ${fromV}: that is a downgrade`,
      "Pass --allow-downgrade to follow etcd's downgrade procedure (one minor at a time), or pick a newer version.",
    );
  }
  if (b.minor === a.minor) return step("patch-downgrade");
  if (b.minor < a.minor - 1) {
    throw refuse(
      "unsupported-downgrade-path",
      `etcd ${fromV} -> ${toV} downgrades over more than one minor version`,
      `Downgrade to ${a.major}.${a.minor - 1}.x first, then further.`,
    );
  }
  if (a.minor < FIRST_MINOR_WITH_DOWNGRADE_API) {
    throw refuse(
      "unsupported-downgrade-path",
      `etcd ${fromV} has no downgrade API, so ${fromV} -> ${toV} cannot follow etcd's downgrade procedure`,
      "Restore the snapshot etcdup saved before the upgrade into a fresh data dir of the older version (etcdutl snapshot restore).",
    );
  }
  return step("minor-downgrade", [
    `etcd's downgrade procedure: 'etcdctl downgrade enable ${b.major}.${b.minor}' runs before the binaries are replaced (https://etcd.io/docs/v3.6/downgrades/downgrade_3_6/).`,
  ]);
}
