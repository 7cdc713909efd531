/**
 * What install.sh downloads, for the shipping tests: a stand-in etcdup that records how it was run, its
 * SHA256SUMS, and the URL layout of a release (`/install.sh`, `/etcdup-linux-<arch>`, `/SHA256SUMS`).
 */
import * as path from "node:path";
import { createHash } from "node:crypto";

/** Real path of install.sh. */
export const INSTALL_SH = path.resolve(import.meta.dirname!, "../../install.sh");

/** A stand-in etcdup: records its argv, ETCDUP_QUIET and whether stdin is empty beside itself. */
export const STAND_IN = `#!/bin/sh
{
  for a in "$@"; do printf 'arg=%s\\n' "$a"; done
  printf 'quiet=%s\\n' "\${ETCDUP_QUIET-unset}"
  printf 'stdin=%s\\n' "$(wc -c)"
} > "$(dirname "$0")/etcdup.record"
`;

/** SHA256SUMS text naming `bytes` for both architectures. */
export function sumsFor(bytes: string | Uint8Array): string {
  const hex = createHash("sha256").update(bytes).digest("hex");
  return `${hex}  etcdup-linux-amd64\n${hex}  etcdup-linux-arm64\n`;
}

/** The files install.sh expects at ETCDUP_BASE_URL, plus install.sh itself. */
export function releaseFiles(
  binary: string | Uint8Array,
  sums = sumsFor(binary),
): Record<string, string | Uint8Array> {
  const enc = new TextEncoder();
  const bytes = typeof binary === "string" ? enc.encode(binary) : binary;
  return {
    "/install.sh": INSTALL_SH,
    "/etcdup-linux-amd64": bytes,
    "/etcdup-linux-arm64": bytes,
    "/SHA256SUMS": enc.encode(sums),
  };
}
