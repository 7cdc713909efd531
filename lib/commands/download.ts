/**
 * `etcdup download`: fetches and fully verifies release tarballs (digest, layout, ELF arch) into a directory,
 * with a SHA256SUMS covering them, to carry across an air gap for `etcdup install --bundle DIR`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError, Exit, type ExitCode, usageError } from "../errors.ts";
import type { ContextOf } from "../specs/spec.ts";
import type { downloadFlags } from "../specs/download.ts";
import { HostRoot } from "../host/fs.ts";
import { cleanStaleStaging } from "../release/binaries.ts";
import { type Arch, hostArch, parseArch, resolveVersion } from "../release/manifest.ts";
import { obtainRelease, type Trust } from "../release/obtain.ts";
import { AIR_GAP_ADVICE } from "../release/http.ts";
import { DEFAULT_MIRROR, parseSha256Sums, renderSha256Sums } from "../release/source.ts";

/** Parses `--arch amd64,arm64` (default: this machine's), without duplicates. */
function parseArches(value: string | undefined): Arch[] {
  if (value === undefined) return [hostArch()];
  const arches = [...new Set(value.split(",").filter((a) => a.trim() !== "").map((a) => parseArch(a)))];
  if (arches.length === 0) {
    throw usageError("bad-arch", "--arch is empty", "Use amd64, arm64 or amd64,arm64.");
  }
  return arches;
}

/** Runs `etcdup download`. */
export async function run(ctx: ContextOf<typeof downloadFlags>): Promise<ExitCode> {
  const { options } = ctx;
  const output = options.output;
  if (output === undefined || output === "") {
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
  const dir = path.resolve(output);
  const host = new HostRoot("/");
  const own = { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0, mode: 0o644 };
  let existing = dir;
  while (!host.stat(existing)) existing = path.dirname(existing);
  if (existing !== dir) host.ensureDir(dir, { ...own, mode: 0o755 });
  try {
    return await fetchInto(ctx, { dir, host, own, version, arches, sha256 });
  } catch (err) {
    removeCreated(dir, existing);
    throw forDownload(err);
  }
}

/**
 * Removes the directories this run created (`dir` up to, not including, `existing`) that a failure left
 * empty; anything with content stays.
 */
function removeCreated(dir: string, existing: string): void {
  for (let d = dir; d !== existing && d !== path.dirname(d); d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty: keep it and its parents
    }
  }
}

/**
 * A network error's hint for `download`, which takes no --tarball or --bundle: it is the command that makes
 * them, on a machine with access to the mirror.
 */
function forDownload(err: unknown): unknown {
  if (!(err instanceof EtcdupError) || !err.hint?.includes(AIR_GAP_ADVICE)) return err;
  const hint = err.hint.replace(
    AIR_GAP_ADVICE,
    "'etcdup download' needs the mirror (--mirror URL) reachable from here: run it on a connected machine " +
      "and carry --output DIR across",
  );
  return new EtcdupError({ code: err.code, message: err.message, hint, exit: err.exit, cause: err });
}

/** Fetches and verifies every arch's tarball into `dir`, with its SHA256SUMS, and reports them. */
async function fetchInto(
  ctx: ContextOf<typeof downloadFlags>,
  o: {
    dir: string;
    host: HostRoot;
    own: { uid: number; gid: number; mode: number };
    version: string;
    arches: Arch[];
    sha256?: string;
  },
): Promise<ExitCode> {
  const { options, out } = ctx;
  const { dir, host, own, version, arches, sha256 } = o;
  for (const stale of cleanStaleStaging(host, dir)) out.info(`removed stale staging dir ${stale}`);
  const sumsPath = path.join(dir, "SHA256SUMS");
  const sums = parseSha256Sums(host.readText(sumsPath) ?? "");
  const fetched: { file: string; sha256: string; trust: Trust; arch: Arch }[] = [];
  for (const arch of arches) {
    const staged = await obtainRelease({
      version,
      arch,
      sha256,
      source: {
        kind: "mirror",
        baseUrl: options.mirror ?? DEFAULT_MIRROR,
        caFile: options["mirror-ca"],
      },
      stagingParent: dir,
      keepTarball: true,
      env: ctx.env,
    }, out);
    try {
      const target = path.join(dir, staged.tarballName);
      fs.chownSync(staged.tarball!, own.uid, own.gid);
      fs.chmodSync(staged.tarball!, own.mode);
      fs.renameSync(staged.tarball!, target);
      sums.set(staged.tarballName, staged.sha256);
      host.writeAtomic(sumsPath, renderSha256Sums(sums), own);
      fetched.push({ file: target, sha256: staged.sha256, trust: staged.trust, arch });
    } finally {
      staged.cleanup();
    }
  }
  out.result(
    { version, dir, sha256sums: sumsPath, tarballs: fetched },
    [
      `Downloaded etcd ${version} into ${dir}:`,
      ...fetched.map((f) => `  ${path.basename(f.file)}  sha256 ${f.sha256} (verified by ${f.trust})`),
      `  SHA256SUMS`,
      `Install on the air-gapped host with: etcdup install --bundle ${dir}${
        arches.length > 1 ? "" : ` --arch ${arches[0]}`
      }`,
    ].join("\n"),
  );
  return Exit.ok;
}
