/**
 * What `etcdup download` does, as a pure function of the flags and what is already in the output directory
 * (lib/observe/download.ts fills in {@link DownloadObserved}, declared here beside the plan that decides from
 * it): the directory made if missing, staging dirs of dead runs removed, each arch's tarball fetched (new or
 * replacing the file there) and its line written into SHA256SUMS, everything else kept. `--dry-run` prints
 * this list (lib/release/download_view.ts); lib/release/download_execute.ts carries out exactly it.
 */
import * as path from "node:path";
import { usageError } from "../errors.ts";
import type { OwnedFile } from "../files.ts";
import { tarballName } from "./file_name.ts";
import { type Arch, hostArch, manifestDigest, parseArch, resolveVersion } from "./manifest.ts";
import { DEFAULT_MIRROR, parseSha256Sums, sumsUrlFor, tarballUrl } from "./source.ts";

/** What the flags ask for, checked. */
export interface DownloadRequest {
  /** The output directory, absolute. */
  dir: string;
  /** Canonical "vX.Y.Z". */
  version: string;
  arches: Arch[];
  sha256?: string;
  mirror: string;
  mirrorCa?: string;
  /** The tarball file names, by arch. */
  names: Record<string, string>;
}

/** What is there before anything is decided. Plain data. */
export interface DownloadObserved {
  /** The nearest of the output dir and its parents that exists (the dir itself when it does). */
  existing: string;
  /** The names of the entries of the output dir (none when it does not exist yet). */
  entries: string[];
  /** Each tarball's target file as it is, by file name (undefined: not there). */
  files: Record<string, OwnedFile | undefined>;
  /** DIR/SHA256SUMS's text, undefined when there is none. */
  sums: string | undefined;
  /** Staging dirs in the output dir left by runs that died (absolute paths). */
  staleStaging: string[];
}

/** One step of a download. */
export type DownloadStep =
  /** Make the output dir and its missing parents (0755). */
  | { kind: "create-dir"; path: string; reason: string }
  /** Remove a staging dir a dead run left. */
  | { kind: "remove-staging"; path: string; reason: string }
  /** Fetch, verify and keep one arch's tarball at `path`. */
  | {
    kind: "fetch";
    path: string;
    arch: Arch;
    url: string;
    action: "create" | "replace";
    /** What its digest is checked against. */
    verify: string;
    reason: string;
  }
  /** Write the fetched tarball's line into SHA256SUMS. */
  | { kind: "write-sums"; path: string; action: "create" | "update"; file: string; reason: string };

/** The download, decided. */
export interface DownloadPlan {
  request: DownloadRequest;
  steps: DownloadStep[];
  /** Paths in the output dir left as they are. */
  kept: string[];
  /** The SHA256SUMS lines kept as they are (other tarballs'), by file name. */
  keptSums: string[];
}

/** Parses `--arch amd64,arm64` (default: this machine's), without duplicates. */
function parseArches(value: string | undefined): Arch[] {
  if (value === undefined) return [hostArch()];
  const arches = [...new Set(value.split(",").filter((a) => a.trim() !== "").map((a) => parseArch(a)))];
  if (arches.length === 0) {
    throw usageError("bad-arch", "--arch is empty", "Use amd64, arm64 or amd64,arm64.");
  }
  return arches;
}

/**
 * Checks the flags of `download` (usage errors, exit 2: no --output, a bad --arch, --sha256 with several
 * arches) into a request; `dir` is --output made absolute.
 */
export function downloadRequest(
  options: { version?: string; arch?: string; sha256?: string; mirror?: string; "mirror-ca"?: string },
  dir: string | undefined,
): DownloadRequest {
  if (dir === undefined) {
    throw usageError(
      "missing-output",
      "etcdup download needs --output DIR",
      "Name the directory to write the bundle into.",
    );
  }
  const version = resolveVersion(options.version);
  const arches = parseArches(options.arch);
  const sha256 = options.sha256;
  if (sha256 !== undefined && arches.length > 1) {
    throw usageError(
      "sha256-needs-one-arch",
      "--sha256 names one tarball, but --arch lists several",
      "Download one arch at a time with --sha256, or leave --sha256 out to use the manifest or SHA256SUMS.",
    );
  }
  return {
    dir,
    version,
    arches,
    ...(sha256 !== undefined ? { sha256 } : {}),
    mirror: options.mirror ?? DEFAULT_MIRROR,
    ...(options["mirror-ca"] !== undefined ? { mirrorCa: options["mirror-ca"] } : {}),
    names: Object.fromEntries(arches.map((a) => [a, tarballName(version, a)])),
  };
}

/** What a tarball's digest will be checked against, as `obtainRelease` decides it. */
function verifiedBy(req: DownloadRequest, arch: Arch, url: string): string {
  if (req.sha256 !== undefined) return "the --sha256 you gave";
  if (manifestDigest(req.version, arch)) return "etcdup's embedded manifest of official digests";
  return `the release's SHA256SUMS (${sumsUrlFor(url)})`;
}

/**
 * Plans the download of `req` into a directory observed as `seen`.
 * @example planDownload(req, seen).steps.map((s) => s.kind) // ["create-dir", "fetch", "write-sums"]
 */
export function planDownload(req: DownloadRequest, seen: DownloadObserved): DownloadPlan {
  const sumsPath = path.join(req.dir, "SHA256SUMS");
  const steps: DownloadStep[] = [];
  if (seen.existing !== req.dir) {
    steps.push({
      kind: "create-dir",
      path: req.dir,
      reason: seen.existing === path.dirname(req.dir)
        ? "it does not exist"
        : `it does not exist, nor its parents below ${seen.existing}`,
    });
  }
  for (const p of seen.staleStaging) {
    steps.push({ kind: "remove-staging", path: p, reason: "left by an etcdup run that died" });
  }
  let sumsThere = seen.sums !== undefined;
  for (const arch of req.arches) {
    const name = req.names[arch];
    const url = tarballUrl(req.mirror, req.version, arch);
    const there = seen.files[name] !== undefined;
    steps.push({
      kind: "fetch",
      path: path.join(req.dir, name),
      arch,
      url,
      action: there ? "replace" : "create",
      verify: verifiedBy(req, arch, url),
      reason: there
        ? "fetched again and verified: the file there is replaced only by a verified one"
        : "not there yet",
    });
    steps.push({
      kind: "write-sums",
      path: sumsPath,
      action: sumsThere ? "update" : "create",
      file: name,
      reason: `SHA256SUMS covers every tarball in ${req.dir}`,
    });
    sumsThere = true;
  }
  const touched = new Set(steps.map((s) => s.path));
  const kept = seen.entries.map((e) => path.join(req.dir, e)).filter((p) => !touched.has(p)).sort();
  const names = new Set(Object.values(req.names));
  const keptSums = [...parseSha256Sums(seen.sums ?? "").keys()].filter((n) => !names.has(n)).sort();
  return { request: req, steps, kept, keptSums };
}
