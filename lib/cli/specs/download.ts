/** Flags of `etcdup download`. */
import type { CommandSpec } from "../spec.ts";
import { configFlag, outputFlags } from "./common.ts";
import { releaseFlags } from "./install.ts";

/** `etcdup download`: fetch and verify release tarballs into a bundle directory for air-gapped hosts. */
export const downloadSpec: CommandSpec = {
  name: "download",
  summary: "Fetch and verify release tarballs (and SHA256SUMS) into a directory to carry across an air gap.",
  usage: "etcdup download --output DIR [--version V] [--arch amd64,arm64] [flags]",
  flags: {
    version: releaseFlags.version,
    arch: { type: "string", value: "LIST", description: "Comma-separated architectures.", defaultText: "this machine's" },
    mirror: releaseFlags.mirror,
    "mirror-ca": releaseFlags["mirror-ca"],
    sha256: releaseFlags.sha256,
    output: { type: "string", short: "o", value: "DIR", description: "Directory to write the bundle into (created)." },
    ...configFlag,
    ...outputFlags,
  },
  load: () => import("../../commands/download.ts"),
};
