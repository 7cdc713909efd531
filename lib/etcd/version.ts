/**
 * etcd release versions ("v3.5.30"): the one place that parses, compares and formats them and names their
 * release line ("3.5"). Not etcdup's own version: that is lib/version.ts.
 */
import { usageError } from "../errors.ts";

/** A parsed etcd version. */
export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
}

/** An exact version as users and the manifest write it: "v3.5.30" or "3.5.30", nothing before or after. */
const EXACT = /^v?(\d+)\.(\d+)\.(\d+)$/;

function fromMatch(m: RegExpExecArray): EtcdVersion {
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/**
 * An exact version ("v3.5.30" or "3.5.30", surrounding blanks ignored), or undefined for anything else.
 * @example tryParseVersion("3.5.30") // { major: 3, minor: 5, patch: 30 }
 */
export function tryParseVersion(s: string): EtcdVersion | undefined {
  const m = EXACT.exec(s.trim());
  return m ? fromMatch(m) : undefined;
}

/**
 * Parses a version etcdup itself produced or read ("v3.5.30", also with a suffix such as "-rc.0"); anything
 * else is a bug, not a user error.
 * @example parseEtcdVersion("v3.6.6") // { major: 3, minor: 6, patch: 6 }
 */
export function parseEtcdVersion(s: string): EtcdVersion {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(s.trim());
  if (!m) throw new Error(`internal: not an etcd version: ${s}`);
  return fromMatch(m);
}

/**
 * Parses a version given by the user ("v3.5.30" or "3.5.30"); anything else is a usage error.
 * @example parseVersionArg("v3.5.30") // { major: 3, minor: 5, patch: 30 }
 */
export function parseVersionArg(v: string): EtcdVersion {
  const parsed = tryParseVersion(v);
  if (!parsed) {
    throw usageError("bad-version", `'${v}' is not an etcd version`, "Give a version like v3.5.30.");
  }
  return parsed;
}

/**
 * Formats a version as "vMAJOR.MINOR.PATCH", the canonical form etcdup records and release files carry.
 * @example formatVersion({ major: 3, minor: 5, patch: 30 }) // "v3.5.30"
 */
export function formatVersion(v: EtcdVersion): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

const asVersion = (v: EtcdVersion | string): EtcdVersion => typeof v === "string" ? parseEtcdVersion(v) : v;

/**
 * Negative, zero or positive as `a` is older than, equal to or newer than `b` (numerically: v3.5.9 < v3.5.30).
 * Strings are etcdup's own versions ("v3.5.30"); a sort comparator for them.
 */
export function compareVersions(a: EtcdVersion | string, b: EtcdVersion | string): number {
  const [x, y] = [asVersion(a), asVersion(b)];
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/**
 * The release line ("MAJOR.MINOR") a version belongs to, as `latest-3.5` and `etcdctl downgrade` write it.
 * @example releaseLine("v3.5.30") // "3.5"
 */
export function releaseLine(v: EtcdVersion | string): string {
  const x = asVersion(v);
  return `${x.major}.${x.minor}`;
}

/** Whether `ver` is at least major.minor(.patch). */
export function atLeast(ver: EtcdVersion | string, major: number, minor: number, patch = 0): boolean {
  return compareVersions(ver, { major, minor, patch }) >= 0;
}
