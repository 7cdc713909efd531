/**
 * Gets a release onto the host, verified: decides the trust source (--sha256 > embedded manifest >
 * SHA256SUMS from the same source), streams the tarball once through hash + gunzip + untar into a 0700
 * staging dir beside the destination, then checks the digest, the ELF headers and `etcd --version`.
 * Nothing leaves the staging dir here; {@link installBinaries} moves the binaries into place.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { EtcdupError, Exit, usageError, verificationError } from "../errors.ts";
import type { Output } from "../output.ts";
import { compareVersions } from "../etcd/version.ts";
import { type Arch, manifestDigest } from "./manifest.ts";
import { parseSha256Sums, sumsUrlFor, tarballUrl } from "./source.ts";
import { parseTarballName, tarballName, topFolderName } from "./file_name.ts";
import type { HttpClient, HttpOptions } from "./http.ts";
import { DEFAULT_LIMITS, type ReleaseFiles, type UnpackLimits, unpackRelease } from "./unpack.ts";
import { requiredBinaries } from "./binary_names.ts";
import { writeAll } from "../host/fs.ts";
import { sha256FileAsync } from "../host/hash.ts";
import { checkElf } from "./elf.ts";
import { garbageCollector } from "../host/memory.ts";

/** Where the tarball comes from. */
export type ReleaseSource = { kind: "mirror"; baseUrl: string; caFile?: string } | {
  kind: "tarball";
  path: string;
};

/** What {@link obtainRelease} fetches and how. */
export interface ReleaseRequest {
  /** Canonical "vX.Y.Z" (see resolveVersion). */
  version: string;
  arch: Arch;
  source: ReleaseSource;
  /** The operator's expected digest (--sha256); wins over everything. */
  sha256?: string;
  /** REAL path of a directory on the same filesystem as the bin dir; the staging dir is made inside. */
  stagingParent: string;
  /** Run the staged `etcd --version`; default: when `arch` is this machine's. */
  checkVersion?: boolean;
  /** Environment for proxy variables; default Deno.env. */
  env?: Record<string, string | undefined>;
  /** Download tuning (tests); the proxy env and CA come from `env` and `source`. */
  http?: Omit<HttpOptions, "env" | "caFile">;
  /** Size caps; default {@link DEFAULT_LIMITS}. */
  limits?: UnpackLimits;
  /** Also keep the verified tarball itself in the staging dir (for `etcdup download`). */
  keepTarball?: boolean;
}

/** Which source vouched for the tarball's digest. */
export type Trust = "manifest" | "sha256sums" | "flag";

/** A verified release waiting in its staging dir. */
export interface StagedRelease {
  version: string;
  arch: Arch;
  /** The verified SHA-256 of the tarball. */
  sha256: string;
  trust: Trust;
  tarballName: string;
  /** The 0700 staging dir (real path). */
  dir: string;
  /** Real paths of the staged binaries (mode 0700 until installed). */
  files: ReleaseFiles;
  /** Real path of the verified tarball in the staging dir, when `keepTarball` was asked for. */
  tarball?: string;
  /** Removes the staging dir (safe to call twice). */
  cleanup(): void;
}

/** Name prefix of staging dirs; {@link cleanStaleStaging} removes those of dead processes. */
export const STAGING_PREFIX = ".etcdup-staging-";

const TRUST_TEXT: Record<Trust, string> = {
  flag: "the --sha256 you gave",
  manifest: "etcdup's embedded manifest of official digests",
  sha256sums: "the release's SHA256SUMS",
};

/**
 * Fails with a usage error (exit 2) naming `--tarball` unless `file` is a readable regular file; returns its
 * size. Planning calls it too, so a wrong path is reported before anything is written (and by --dry-run).
 */
export function checkTarball(file: string): number {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new Error("not a regular file");
    fs.accessSync(file, fs.constants.R_OK);
    return st.size;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw usageError(
      "tarball-unreadable",
      `--tarball ${file}: ${reason}`,
      "Give the path of an etcd release tarball (etcd-vX.Y.Z-linux-ARCH.tar.gz).",
    );
  }
}

/** The HTTP module with its client, loaded on first use: an air-gapped `--tarball` install never needs it. */
type Net = typeof import("./http.ts") & { client: HttpClient };

/** Validates a --sha256 value. */
function parseDigestFlag(hex: string): string {
  const v = hex.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) {
    throw usageError(
      "bad-sha256",
      `--sha256 '${hex}' is not a SHA-256 (64 hex digits)`,
      "Copy the value from the release's SHA256SUMS, or leave --sha256 out for known versions.",
    );
  }
  return v;
}

/** Reads the SHA256SUMS for `names` from the release's source, or undefined when there is none. */
async function sumsDigest(source: ReleaseSource, names: string[], http: () => Promise<Net>, url: string) {
  let text: string | undefined;
  let where: string;
  if (source.kind === "tarball") {
    where = path.join(path.dirname(path.resolve(source.path)), "SHA256SUMS");
    text = fs.existsSync(where) ? fs.readFileSync(where, "utf8") : undefined;
  } else {
    where = sumsUrlFor(url);
    const net = await http();
    text = await net.fetchText(net.client, where);
  }
  if (text === undefined) return { where, found: false, digest: undefined };
  const sums = parseSha256Sums(text);
  return { where, found: true, digest: names.map((n) => sums.get(n)).find((d) => d !== undefined) };
}

/** Decides the expected digest and which source vouches for it. */
async function expectedDigest(
  req: ReleaseRequest,
  out: Output,
  http: () => Promise<Net>,
  url: string,
  name: string,
) {
  const known = manifestDigest(req.version, req.arch);
  if (req.sha256 !== undefined) {
    const flag = parseDigestFlag(req.sha256);
    if (known && known !== flag) {
      out.warn(
        `--sha256 differs from the official digest of ${name} in etcdup's manifest (${known}); using yours`,
      );
    }
    return { digest: flag, trust: "flag" as Trust };
  }
  if (known) return { digest: known, trust: "manifest" as Trust };
  const names = req.source.kind === "tarball" ? [path.basename(req.source.path), name] : [name];
  const sums = await sumsDigest(req.source, names, http, url);
  if (sums.digest) return { digest: sums.digest, trust: "sha256sums" as Trust };
  throw verificationError(
    "no-trusted-digest",
    `${req.version} (${req.arch}) is not in etcdup's manifest, and ${sums.where} ${
      sums.found ? `has no entry for ${name}` : "does not exist"
    }: there is nothing to verify the tarball against`,
    "Pass --sha256 HEX with the official digest of the tarball, or use a version etcdup knows (--version latest).",
  );
}

/** The SHA256SUMS beside a local tarball (by its own name or the official `name`); reads no network. */
function localSums(source: { kind: "tarball"; path: string }, name: string) {
  const noNetwork = (): Promise<Net> => {
    throw new Error("internal: a local tarball's SHA256SUMS needs no network");
  };
  return sumsDigest(source, [path.basename(source.path), name], noNetwork, source.path);
}

/**
 * The hint of a checksum mismatch, blaming what is most likely wrong: a `--sha256` the operator gave (the
 * digest, not the file), a tarball whose SHA256SUMS beside it vouches for it while the manifest does not (a
 * private build: `--sha256` is the way to trust it), else the file.
 */
async function mismatchHint(
  req: ReleaseRequest,
  trust: Trust,
  actual: string,
  name: string,
): Promise<string> {
  if (trust === "flag") {
    const official = manifestDigest(req.version, req.arch) === actual ? ` (it is the official ${name})` : "";
    return `The --sha256 you gave does not match this file, whose SHA-256 is ${actual}${official}: check the ` +
      "digest you typed or copied (or leave --sha256 out for a version etcdup knows).";
  }
  if (trust === "manifest" && req.source.kind === "tarball") {
    const sums = await localSums(req.source, name);
    if (sums.digest === actual) {
      return `The tarball matches the SHA256SUMS beside it (${sums.where}) but not etcd's official digest for ` +
        `${req.version}: it is not the official release (a private build?). If you built it or trust it, ` +
        `pass --sha256 ${actual}; else fetch the official tarball again.`;
    }
  }
  return "The file is corrupt or not the official release: fetch it again from a trusted source.";
}

/**
 * How `req`'s tarball will be verified, in words for `--dry-run`: which source vouches for its digest and,
 * for a local tarball, whether the file matches it now (the file is hashed; nothing is fetched).
 * @example await describeVerification(req) // "against etcdup's embedded manifest (sha256 3b…): the file matches"
 */
export async function describeVerification(
  req: Pick<ReleaseRequest, "version" | "arch" | "source" | "sha256">,
): Promise<string> {
  const name = tarballName(req.version, req.arch);
  const known = manifestDigest(req.version, req.arch);
  const flag = req.sha256 === undefined ? undefined : parseDigestFlag(req.sha256);
  if (req.source.kind !== "tarball") {
    const against = flag
      ? TRUST_TEXT.flag
      : known
      ? TRUST_TEXT.manifest
      : `the SHA256SUMS beside it on the mirror`;
    const digest = flag ?? known;
    return `downloaded, then checked against ${against}${digest ? ` (sha256 ${digest.slice(0, 16)}…)` : ""}`;
  }
  const local = req.source;
  const sums = await localSums(local, name);
  const [trust, digest] = flag
    ? ["flag" as const, flag]
    : known
    ? ["manifest" as const, known]
    : ["sha256sums" as const, sums.digest];
  if (digest === undefined) {
    return `no trusted digest (${req.version} is not in etcdup's manifest and ${sums.where} has none for ` +
      `${name}): the run will refuse it; pass --sha256 HEX`;
  }
  const actual = await sha256FileAsync(local.path);
  const verdict = actual === digest
    ? "the file matches"
    : `the file does NOT match (its SHA-256 is ${actual}): the run will refuse it. ` +
      await mismatchHint(req as ReleaseRequest, trust, actual, name);
  return `checked against ${TRUST_TEXT[trust]} (sha256 ${digest.slice(0, 16)}…): ${verdict}`;
}

/** Creates the private staging dir inside `parent`. */
function makeStaging(parent: string): string {
  const dir = path.join(parent, `${STAGING_PREFIX}${Deno.pid}-${randomBytes(4).toString("hex")}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** Whether binaries for `arch` run on this machine. */
function isHostArch(arch: Arch): boolean {
  return Deno.build.arch === (arch === "amd64" ? "x86_64" : "aarch64");
}

/** Runs the staged `etcd --version` and checks it reports `version`. */
async function checkReportedVersion(etcd: string, version: string): Promise<void> {
  let stdout: string;
  try {
    const res = await new Deno.Command(etcd, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
      signal: AbortSignal.timeout(15_000),
      clearEnv: true,
    }).output();
    stdout = new TextDecoder().decode(res.stdout);
  } catch (err) {
    throw verificationError(
      "binary-not-runnable",
      `the staged etcd could not run '--version': ${(err as Error).message}`,
      "The tarball's etcd does not run on this machine; nothing was installed.",
    );
  }
  const reported = stdout.match(/etcd Version:\s*v?(\S+)/)?.[1];
  if (reported !== version.replace(/^v/, "")) {
    throw verificationError(
      "version-mismatch",
      `the tarball's etcd reports version ${
        reported ? `v${reported}` : "nothing"
      }, but ${version} was asked for`,
      "The tarball is for another release than --version; fetch the right one. Nothing was installed.",
    );
  }
}

/**
 * Fetches (or reads) the release tarball, verifies it and stages the binaries. On any failure the staging
 * dir is removed and an EtcdupError says what was refused (verification: exit 3, network: exit 5).
 */
export async function obtainRelease(req: ReleaseRequest, out: Output): Promise<StagedRelease> {
  const name = tarballName(req.version, req.arch);
  const url = req.source.kind === "mirror"
    ? tarballUrl(req.source.baseUrl, req.version, req.arch)
    : req.source.path;
  let net: Promise<Net> | undefined;
  const http = () =>
    net ??= import("./http.ts").then((m) => ({
      ...m,
      client: m.createHttpClient({
        ...req.http,
        env: req.env ?? Deno.env.toObject(),
        caFile: req.source.kind === "mirror" ? req.source.caFile : undefined,
      }),
    }));
  const dir = makeStaging(req.stagingParent);
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const { digest, trust } = await expectedDigest(req, out, http, url, name);
    let chunks: AsyncIterable<Uint8Array>;
    let size: number | undefined;
    if (req.source.kind === "tarball") {
      size = checkTarball(req.source.path);
      chunks = fs.createReadStream(req.source.path, { highWaterMark: 64 * 1024 });
      out.step(`reading ${req.source.path}`);
    } else {
      out.step(`downloading ${url}`);
      const { download, client } = await http();
      const dl = await download(client, url);
      size = dl.size;
      chunks = dl.chunks;
    }
    const bar = out.progress(name, size);
    const tarball = req.keepTarball ? path.join(dir, name) : undefined;
    const counted = (async function* () {
      const fd = tarball ? fs.openSync(tarball, "wx", 0o600) : undefined;
      const collect = garbageCollector();
      try {
        for await (const c of chunks) {
          collect(c.length);
          bar.advance(c.length);
          if (fd !== undefined) writeAll(fd, c);
          yield c;
        }
        if (fd !== undefined) fs.fsyncSync(fd);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    })();
    const unpacked = await unpackRelease(counted, {
      dir,
      topFolder: topFolderName(req.version, req.arch),
      required: requiredBinaries(req.version),
      label: path.basename(url),
      limits: req.limits ?? DEFAULT_LIMITS,
    });
    bar.done();
    if (unpacked.sha256 !== digest) {
      throw verificationError(
        "checksum-mismatch",
        `SHA-256 of ${path.basename(url)} is ${unpacked.sha256}, but ${TRUST_TEXT[trust]} says ${digest}`,
        `${await mismatchHint(req, trust, unpacked.sha256, name)} Nothing was installed.`,
      );
    }
    out.step(`verified ${name} (sha256 ${digest.slice(0, 16)}…) against ${TRUST_TEXT[trust]}`, {
      trust,
      sha256: digest,
    });
    for (const file of Object.values(unpacked.files)) checkElf(file, req.arch);
    if (req.checkVersion ?? isHostArch(req.arch)) {
      await checkReportedVersion(unpacked.files.etcd, req.version);
      out.info(`etcd --version reports ${req.version}`);
    }
    return {
      version: req.version,
      arch: req.arch,
      sha256: digest,
      trust,
      tarballName: name,
      dir,
      files: unpacked.files,
      tarball,
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  } finally {
    if (net) await (await net).client.close();
  }
}

/**
 * Picks the tarball for `arch` in a directory made by `etcdup download`: the given version, or the newest
 * `etcd-v*-linux-{arch}.tar.gz` there. A usage error names the directory when nothing fits.
 */
export function bundleTarball(
  dir: string,
  version: string | undefined,
  arch: Arch,
): { path: string; version: string } {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw usageError(
      "bundle-unreadable",
      `--bundle ${dir}: ${(err as Error).message}`,
      "Give the directory written by 'etcdup download --output DIR'.",
    );
  }
  const versions = names.map(parseTarballName).filter((n) => n?.arch === arch).map((n) => n!.version).sort(
    compareVersions,
  );
  const chosen = version === undefined ? versions.at(-1) : versions.find((v) => v === version);
  if (!chosen) {
    throw new EtcdupError({
      code: "bundle-missing-release",
      message: `--bundle ${dir} has no ${tarballName(version ?? "v*", arch)}${
        versions.length ? ` (it has ${versions.join(", ")})` : ""
      }`,
      hint: `Make it with 'etcdup download --output ${dir} --arch ${arch}${
        version ? ` --version ${version}` : ""
      }'.`,
      exit: Exit.usage,
    });
  }
  return { path: path.join(dir, tarballName(chosen, arch)), version: chosen };
}
