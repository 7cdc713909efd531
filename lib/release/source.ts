/**
 * Where release files live: the mirror URL layout (GitHub's and GCS's
 * `{base}/{version}/{file}`, or a template with `{version}`/`{arch}` placeholders) and SHA256SUMS parsing.
 */
import { usageError } from "../errors.ts";
import type { Arch } from "./manifest.ts";
import { tarballName } from "./file_name.ts";

/** The official release download base. */
export const DEFAULT_MIRROR = "https://github.com/etcd-io/etcd/releases/download";

/**
 * The tarball URL for a mirror. A mirror with `{version}`/`{arch}` placeholders is filled in; if it then
 * ends in `.tar.gz` it is the tarball's URL, else the directory holding it. A plain base gets the release
 * layout `{base}/{version}/{file}` (GitHub releases, storage.googleapis.com/etcd).
 */
export function tarballUrl(mirror: string, version: string, arch: Arch): string {
  let parsed: URL;
  try {
    parsed = new URL(mirror.replaceAll("{version}", version).replaceAll("{arch}", arch));
  } catch {
    throw usageError(
      "bad-mirror",
      `--mirror '${mirror}' is not a URL`,
      `Give an https URL like ${DEFAULT_MIRROR}.`,
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw usageError(
      "bad-mirror",
      `--mirror '${mirror}' must be an http(s) URL`,
      "For a local file use --tarball FILE or --bundle DIR.",
    );
  }
  const filled = parsed.href;
  if (filled.endsWith(".tar.gz")) return filled;
  const dir = filled.replace(/\/+$/, "");
  const templated = mirror.includes("{version}");
  return `${dir}${templated ? "" : `/${version}`}/${tarballName(version, arch)}`;
}

/** The SHA256SUMS published beside a tarball URL. */
export function sumsUrlFor(tarball: string): string {
  return tarball.replace(/[^/]*$/, "SHA256SUMS");
}

/** Parses `sha256sum` output (`HEX  name` or `HEX *name`) into file name -> lowercase hex. */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = line.trim().match(/^([0-9a-fA-F]{64})\s+\*?(.+)$/);
    if (m) sums.set(m[2].trim().replace(/^\.\//, ""), m[1].toLowerCase());
  }
  return sums;
}

/** Renders SHA256SUMS text for `[name, hex]` pairs, sorted by name (what `sha256sum -c` reads). */
export function renderSha256Sums(entries: Iterable<[string, string]>): string {
  return [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([n, h]) => `${h}  ${n}\n`).join("");
}
