/**
 * The official release file names, built and read in one place so the two stay each other's inverse:
 * `etcd-v3.6.6-linux-amd64.tar.gz` and its top folder `etcd-v3.6.6-linux-amd64`.
 */
import * as path from "node:path";
import type { Arch } from "./manifest.ts";

/** The official tarball file name, e.g. `etcd-v3.6.6-linux-amd64.tar.gz`. */
export function tarballName(version: string, arch: Arch): string {
  return `${topFolderName(version, arch)}.tar.gz`;
}

/** The top folder inside a release tarball, e.g. `etcd-v3.6.6-linux-amd64`. */
export function topFolderName(version: string, arch: Arch): string {
  return `etcd-${version}-linux-${arch}`;
}

/**
 * Reads a release tarball's file name (directories ignored): its version and arch, or undefined when it is
 * not named `etcd-vX.Y.Z-linux-ARCH.tar.gz`. The arch is as written (etcd publishes more than etcdup installs).
 * @example parseTarballName("/srv/etcd-v3.5.30-linux-amd64.tar.gz") // { version: "v3.5.30", arch: "amd64" }
 */
export function parseTarballName(file: string): { version: string; arch: string } | undefined {
  const m = /^etcd-(v\d+\.\d+\.\d+)-linux-([a-z0-9]+)\.tar\.gz$/.exec(path.basename(file));
  return m ? { version: m[1], arch: m[2] } : undefined;
}
