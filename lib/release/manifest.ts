/**
 * The embedded release manifest (assets/releases.json): the official SHA-256 of every etcd release tarball
 * we know, per version and arch. It resolves version aliases offline and is the trust anchor no mirror can
 * forge. `deno compile` embeds the JSON, so the binary carries it.
 */
import manifest from "../../assets/releases.json" with { type: "json" };
import { EtcdupError, Exit, usageError } from "../errors.ts";
import { compareVersions, formatVersion, releaseLine, tryParseVersion } from "../etcd/version.ts";

/** A CPU architecture etcd ships Linux release tarballs for, that etcdup installs. */
export type Arch = "amd64" | "arm64";

/** The architectures etcdup supports. */
export const ARCHES: readonly Arch[] = ["amd64", "arm64"];

/** The release line installed when no version is given, and what `latest` means. */
export const DEFAULT_LINE = "3.6";

const tarballs: Record<string, Record<string, string>> = manifest.tarballs;

/** Every version in the manifest, oldest first. */
export function knownVersions(): string[] {
  return Object.keys(tarballs).sort(compareVersions);
}

/** The newest manifest version of a release line such as "3.5", or undefined. */
function newestOf(line: string): string | undefined {
  return knownVersions().filter((v) => releaseLine(v) === line).at(-1);
}

/**
 * Resolves a `--version` value to a canonical "vX.Y.Z": "3.6.6" and "v3.6.6" as given (unknown but
 * well-formed versions pass through; they need SHA256SUMS or --sha256), "latest" and no value to the newest
 * v3.6.x in the manifest, "latest-3.5" to the newest v3.5.x. Anything else is a usage error naming --version.
 */
export function resolveVersion(spec?: string): string {
  const raw = (spec ?? "latest").trim();
  const alias = raw === "latest" ? DEFAULT_LINE : raw.match(/^latest-v?(\d+\.\d+)$/)?.[1];
  if (alias !== undefined) {
    const v = newestOf(alias);
    if (v) return v;
    const lines = [...new Set(knownVersions().map(releaseLine))];
    throw usageError(
      "unknown-version-alias",
      `--version ${raw}: the embedded manifest has no v${alias}.x release`,
      `Use one of latest, ${lines.map((l) => `latest-${l}`).join(", ")}, or an exact version like v3.6.6.`,
    );
  }
  const exact = tryParseVersion(raw);
  if (!exact) {
    throw usageError(
      "bad-version",
      `--version '${raw}' is not a version`,
      "Give an exact version like v3.6.6 or 3.5.30, or an alias: latest, latest-3.5, latest-3.6.",
    );
  }
  return formatVersion(exact);
}

/** The manifest's SHA-256 (lowercase hex) of the tarball for `version` ("vX.Y.Z") and `arch`, if known. */
export function manifestDigest(version: string, arch: Arch): string | undefined {
  return tarballs[version]?.[arch];
}

/** Parses an `--arch` value; a usage error naming `flag` otherwise. */
export function parseArch(value: string, flag = "--arch"): Arch {
  const v = value.trim().toLowerCase();
  const alias: Record<string, Arch> = { amd64: "amd64", x86_64: "amd64", arm64: "arm64", aarch64: "arm64" };
  const arch = alias[v];
  if (!arch) throw usageError("bad-arch", `${flag} '${value}' is not supported`, "Use amd64 or arm64.");
  return arch;
}

/**
 * The release arch of a CPU name this machine reports (`uname -m` or Deno.build.arch); a CPU etcd publishes
 * no release for is the host not fit to run it (exit 7), not a mistyped flag.
 */
export function nativeArchOf(cpu: string): Arch {
  if (cpu === "x86_64" || cpu === "amd64") return "amd64";
  if (cpu === "aarch64" || cpu === "arm64") return "arm64";
  throw new EtcdupError({
    code: "unsupported-arch",
    message: `this machine's architecture '${cpu}' is not supported`,
    hint:
      "etcdup installs amd64 and arm64 releases; to prepare another machine's release here, pass --arch " +
      "(or use 'etcdup download --arch').",
    exit: Exit.precondition,
  });
}

/** This machine's architecture (from Deno.build.arch); see {@link nativeArchOf}. */
export function hostArch(): Arch {
  return nativeArchOf(Deno.build.arch);
}
