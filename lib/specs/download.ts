/** Flags of `etcdup download`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags } from "./common.ts";
import { releaseFlags } from "./install.ts";

/** The flags of `etcdup download`. */
export const downloadFlags = {
  version: releaseFlags.version,
  arch: {
    type: "string",
    value: "LIST",
    description: "Comma-separated architectures.",
    defaultText: "this machine's",
  },
  mirror: releaseFlags.mirror,
  "mirror-ca": releaseFlags["mirror-ca"],
  sha256: releaseFlags.sha256,
  output: {
    type: "string",
    short: "o",
    value: "DIR",
    description: "Directory to write the bundle into (created).",
  },
  "dry-run": {
    type: "boolean",
    description: "Print what would be fetched, written and kept in DIR; fetch and write nothing.",
    flagOnly: true,
  },
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup download`: fetch and verify release tarballs into a bundle directory for air-gapped hosts. */
export const downloadSpec: CommandSpec = {
  name: "download",
  summary: "Fetch and verify release tarballs (and SHA256SUMS) into a directory to carry across an air gap.",
  usage: "etcdup download --output DIR [--version V] [--arch amd64,arm64] [--dry-run] [flags]",
  details:
    `Each tarball is verified (embedded manifest, else the release's SHA256SUMS, or --sha256) and unpacked
once to check its layout and binaries before it is kept; DIR/SHA256SUMS covers every tarball in DIR.

Examples:
  etcdup download --version 3.6.6 --arch amd64,arm64 --output ./etcd-bundle --dry-run   # what it would do
  etcdup download --version 3.6.6 --arch amd64,arm64 --output ./etcd-bundle
  etcdup install --bundle ./etcd-bundle            # on the air-gapped host, no network needed`,
  flags: downloadFlags,
};
