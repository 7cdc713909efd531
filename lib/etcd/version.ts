/** etcd version numbers: parsing "v3.5.30" and comparing, for version-aware configuration. */

/** A parsed etcd version. */
export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
}

/**
 * Parses "v3.5.30" or "3.5.30".
 * @example parseEtcdVersion("v3.6.6") // { major: 3, minor: 6, patch: 6 }
 */
export function parseEtcdVersion(s: string): EtcdVersion {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(s.trim());
  if (!m) throw new Error(`internal: not an etcd version: ${s}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Whether `ver` is at least major.minor(.patch). */
export function atLeast(ver: EtcdVersion, major: number, minor: number, patch = 0): boolean {
  if (ver.major !== major) return ver.major > major;
  if (ver.minor !== minor) return ver.minor > minor;
  return ver.patch >= patch;
}
