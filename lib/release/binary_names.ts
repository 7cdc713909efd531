/**
 * Which binaries an etcd release ships: a fact about releases, pure, so planning can name the files an
 * install writes (lib/plan/binaries.ts) without loading the unpacker (lib/release/unpack.ts) that stages them.
 */
import { atLeast } from "../etcd/version.ts";

/** The binaries a release must contain, directly under its top folder. */
export const BINARIES = ["etcd", "etcdctl", "etcdutl"] as const;

/** One of {@link BINARIES}. */
export type BinaryName = typeof BINARIES[number];

/** The binaries a release of `version` ("vX.Y.Z") must contain: etcdutl only from v3.5 on. */
export function requiredBinaries(version: string): BinaryName[] {
  const hasEtcdutl = atLeast(version, 3, 5);
  return BINARIES.filter((b) => b !== "etcdutl" || hasEtcdutl);
}
