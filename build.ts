/**
 * `deno task build`: compiles etcdup into one self-contained executable per Linux target,
 * `dist/etcdup-linux-amd64` and `dist/etcdup-linux-arm64`, and puts them, `dist/install.sh` and
 * `dist/SHA256SUMS` (covering all three) in `dist/`: the assets of a release.
 *
 * - The working tree is copied to a staging directory whose `assets/build-info.json` carries the build's
 *   version and git commit, so the shared tree is never rewritten and `etcdup --version` names the build.
 * - Every asset reaches the binary through the module graph (static JSON and text imports), and the binary
 *   gets exactly the permissions of `permissions.ts`.
 * - `deno compile` needs the Deno runtime (`denort`) of each target. It downloads it unless told where a
 *   local copy is: `DENORT_BIN_AMD64` / `DENORT_BIN_ARM64` (one file per target), `DENORT_DIR` (a folder of
 *   `denort-<target triple>` files), or Deno's own `DENORT_BIN` (used for the target its ELF header names).
 *   When none can be had, the build stops with an error saying how to provide one.
 * - A binary built for this machine's architecture is run once (`--version`) before it is kept.
 *
 * Usage: deno task build [--target amd64|arm64]... [--out DIR] [--version V] [--no-check] [--signer KEY.pub]
 */
import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { asEtcdupError, EtcdupError, Exit, usageError } from "./lib/errors.ts";
import { createOutput } from "./lib/cli/output.ts";
import { RUNTIME_PERMISSIONS } from "./permissions.ts";
import buildInfo from "./assets/build-info.json" with { type: "json" };

/** A compile target. */
export interface Target {
  /** Debian/Go style architecture name used in file names: amd64, arm64. */
  arch: "amd64" | "arm64";
  /** Rust target triple that `deno compile --target` takes. */
  triple: string;
  /** ELF `e_machine` of binaries for this target. */
  elfMachine: number;
}

/** The targets etcdup ships for. */
export const TARGETS: readonly Target[] = [
  { arch: "amd64", triple: "x86_64-unknown-linux-gnu", elfMachine: 62 },
  { arch: "arm64", triple: "aarch64-unknown-linux-gnu", elfMachine: 183 },
];

/** Where a local runtime for a target was found. */
export interface RuntimeChoice {
  /** Path of the denort binary. */
  path: string;
  /** The variable that named it, for messages. */
  source: string;
}

/**
 * The ELF `e_machine` of the file at `file`, or undefined when it is not a 64-bit little-endian ELF file.
 * @example elfMachine("/bin/true") // 62 on x86_64
 */
export function elfMachine(file: string): number | undefined {
  const header = new Uint8Array(20);
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    if (fs.readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    fs.closeSync(fd);
  }
  const isElf = header[0] === 0x7f && header[1] === 0x45 && header[2] === 0x4c && header[3] === 0x46;
  if (!isElf || header[4] !== 2 || header[5] !== 1) return undefined;
  return header[18] | (header[19] << 8);
}

/**
 * Picks the local denort for `target` from the environment: `DENORT_BIN_<ARCH>`, then
 * `DENORT_DIR/denort-<triple>`, then `DENORT_BIN` if its ELF header is for `target`. Undefined means
 * `deno compile` must find it itself (its cache, else a download). A named file that is missing or built
 * for another machine is an error naming the variable.
 * @example runtimeFor(TARGETS[0], { DENORT_BIN_AMD64: "/opt/denort" }) // { path: "/opt/denort", ... }
 */
export function runtimeFor(
  target: Target,
  env: Record<string, string | undefined>,
): RuntimeChoice | undefined {
  const perTarget = `DENORT_BIN_${target.arch.toUpperCase()}`;
  const candidates: RuntimeChoice[] = [];
  if (env[perTarget]) candidates.push({ path: env[perTarget]!, source: perTarget });
  if (env.DENORT_DIR) {
    candidates.push({ path: path.join(env.DENORT_DIR, `denort-${target.triple}`), source: "DENORT_DIR" });
  }
  for (const c of candidates) {
    const machine = elfMachine(c.path);
    if (machine === target.elfMachine) return c;
    if (c.source === "DENORT_DIR" && !fs.existsSync(c.path)) continue;
    throw usageError(
      "bad-runtime",
      machine === undefined
        ? `${c.source} names ${c.path}, which is not a readable 64-bit ELF file`
        : `${c.source} names ${c.path}, an ELF binary for machine ${machine}, not ${target.triple}`,
      `Point ${perTarget} at the denort binary of Deno ${Deno.version.deno} for ${target.triple}.`,
    );
  }
  if (env.DENORT_BIN && elfMachine(env.DENORT_BIN) === target.elfMachine) {
    return { path: env.DENORT_BIN, source: "DENORT_BIN" };
  }
  return undefined;
}

/** The error for a target whose runtime could not be had, saying how to provide it. */
export function missingRuntimeError(target: Target, detail: string): EtcdupError {
  const zip = `denort-${target.triple}.zip`;
  return new EtcdupError({
    code: "no-runtime",
    message:
      `no Deno runtime (denort ${Deno.version.deno}) for ${target.triple}: deno compile could not get it` +
      (detail ? ` (${detail})` : ""),
    hint:
      `On a connected machine download https://dl.deno.land/release/v${Deno.version.deno}/${zip}, unzip it, ` +
      `and set DENORT_BIN_${target.arch.toUpperCase()}=/path/to/denort (or DENORT_DIR to a folder holding ` +
      `denort-${target.triple}); or build where dl.deno.land is reachable.`,
    exit: Exit.precondition,
  });
}

/** Hex SHA-256 of a file, read in chunks. */
function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = new Uint8Array(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** `SHA256SUMS` text in the coreutils format (`<hex>  <name>`), sorted by name. */
export function sha256sums(files: readonly string[]): string {
  return [...files].sort((a, b) => path.basename(a).localeCompare(path.basename(b)))
    .map((f) => `${sha256File(f)}  ${path.basename(f)}\n`).join("");
}

/** Runs a command in `cwd` (killed after a minute), returning its exit code and output. */
async function run(cmd: string, args: string[], cwd: string) {
  const signal = AbortSignal.timeout(60_000);
  const out = await new Deno.Command(cmd, { args, cwd, signal, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The git commit of the tree at `dir` (12 hex digits, "-dirty" when tracked files changed), or "unknown". */
export async function gitCommit(dir: string): Promise<string> {
  const head = await run("git", ["rev-parse", "--short=12", "HEAD"], dir).catch(() => undefined);
  if (!head || head.code !== 0) return "unknown";
  const diff = await run("git", ["diff", "--quiet", "HEAD", "--"], dir);
  return head.stdout.trim() + (diff.code === 0 ? "" : "-dirty");
}

/**
 * Copies the source tree at `src` (git's tracked and unignored files, minus dist/) to a new staging
 * directory and writes its `assets/build-info.json`; returns the staging directory.
 */
async function stage(src: string, info: { version: string; commit: string }): Promise<string> {
  const listed = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], src);
  if (listed.code !== 0) {
    throw new EtcdupError({
      code: "not-a-checkout",
      message: `cannot list the sources in ${src}: ${listed.stderr}`,
    });
  }
  const dir = fs.mkdtempSync(path.join(Deno.env.get("TMPDIR") ?? "/tmp", "etcdup-build-"));
  for (const rel of listed.stdout.split("\0")) {
    if (rel === "" || rel.startsWith("dist/") || !fs.existsSync(path.join(src, rel))) continue;
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.copyFileSync(path.join(src, rel), path.join(dir, rel));
  }
  fs.mkdirSync(path.join(dir, "assets"), { recursive: true });
  fs.writeFileSync(path.join(dir, "assets/build-info.json"), JSON.stringify(info) + "\n");
  return dir;
}

/** Options of {@link build}. */
export interface BuildOptions {
  /** Source tree (a git checkout); default: the folder of this file. */
  src?: string;
  /** Output folder; default `<src>/dist`. */
  out?: string;
  /** Targets to build; default all. */
  targets?: readonly Target[];
  /** Version to bake in; default the one in assets/build-info.json. */
  version?: string;
  /** Skip type-checking (the tree is checked by `deno task check`). */
  noCheck?: boolean;
  /** Environment for runtime lookup and `deno compile`; default Deno.env. */
  env?: Record<string, string | undefined>;
  /** Progress lines; default none. */
  log?: (line: string) => void;
  /** The release signing key's public half (`ssh-ed25519 AAAA...`), embedded into the published install.sh. */
  signer?: string;
}

/** What {@link build} produced. */
export interface BuildResult {
  version: string;
  commit: string;
  /** Real paths of the binaries. */
  binaries: string[];
  /** Real path of the copy of install.sh. */
  installer: string;
  /** Real path of SHA256SUMS. */
  sums: string;
}

/**
 * The `deno` arguments that compile main.ts (in the current directory) for `target` into `outFile` with
 * exactly the permissions of permissions.ts.
 * @example compileArgs(TARGETS[0], "dist/etcdup-linux-amd64", false) // ["compile", "--target", ...]
 */
export function compileArgs(target: Target, outFile: string, noCheck: boolean): string[] {
  return [
    "compile",
    "--target",
    target.triple,
    "--output",
    outFile,
    ...RUNTIME_PERMISSIONS,
    ...(noCheck ? ["--no-check"] : []),
    "main.ts",
  ];
}

/** Compiles one target into `outFile`, verifying its ELF header and, on a matching host, `--version`. */
async function compileTarget(
  staged: string,
  target: Target,
  outFile: string,
  opts: { noCheck: boolean; env: Record<string, string | undefined>; expect: string },
): Promise<void> {
  const runtime = runtimeFor(target, opts.env);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined && k !== "DENORT_BIN") env[k] = v;
  if (runtime) env.DENORT_BIN = runtime.path;
  env.NO_COLOR = "1";
  env.DENO_NO_PACKAGE_JSON = "1"; // package.json only pins the toolchain for npm; nothing of it goes in the binary
  const res = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(target, outFile, opts.noCheck),
    cwd: staged,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const stderr = new TextDecoder().decode(res.stderr);
  if (res.code !== 0) {
    fs.rmSync(outFile, { force: true });
    if (!runtime && /Setting up base binary|dl\.deno\.land|denort/i.test(stderr)) {
      const why = stderr.split("\n").find((l) => /error sending request|dns error|No such file/i.test(l));
      const other = opts.env.DENORT_BIN
        ? `; DENORT_BIN=${opts.env.DENORT_BIN} is not for ${target.triple}`
        : "";
      throw missingRuntimeError(target, (why ?? "").replace(/^\s*\d+:\s*/, "").trim() + other);
    }
    throw new EtcdupError({
      code: "compile-failed",
      message: `deno compile for ${target.triple} failed (exit ${res.code}):\n${stderr.trim()}`,
      hint: runtime
        ? `Check that ${runtime.source}=${runtime.path} is denort ${Deno.version.deno}.`
        : undefined,
    });
  }
  if (elfMachine(outFile) !== target.elfMachine) {
    fs.rmSync(outFile, { force: true });
    throw new EtcdupError({
      code: "compile-wrong-arch",
      message: `${outFile} is not an ELF binary for ${target.triple}`,
    });
  }
  if (hostTarget()?.arch === target.arch) {
    const smoke = await run(outFile, ["--version"], staged).catch((err) => ({
      code: -1,
      stdout: "",
      stderr: String(err),
    }));
    if (smoke.code !== 0 || !smoke.stdout.includes(opts.expect)) {
      fs.rmSync(outFile, { force: true });
      throw new EtcdupError({
        code: "binary-broken",
        message:
          `the compiled etcdup for ${target.triple} does not run: '--version' exited ${smoke.code} printing ` +
          `${JSON.stringify((smoke.stdout + smoke.stderr).trim().slice(0, 200))}, expected '${opts.expect}'`,
        hint: runtime
          ? `${runtime.source}=${runtime.path} is not a working denort ${Deno.version.deno} for ${target.triple}.`
          : undefined,
        exit: Exit.verification,
      });
    }
  }
}

/**
 * Copies `files` (binaries and install.sh, all mode 0755) into `out` and writes `out/SHA256SUMS` covering
 * them, each through a temp file renamed into place. Returns the paths written.
 * @example publish("dist", ["/tmp/stage/dist/etcdup-linux-amd64", "/tmp/stage/install.sh"])
 */
export function publish(out: string, files: readonly string[]): { files: string[]; sums: string } {
  fs.mkdirSync(out, { recursive: true });
  const written = files.map((f) => {
    const dest = path.join(out, path.basename(f));
    fs.copyFileSync(f, `${dest}.tmp`);
    fs.chmodSync(`${dest}.tmp`, 0o755);
    fs.renameSync(`${dest}.tmp`, dest);
    return dest;
  });
  const sums = path.join(out, "SHA256SUMS");
  fs.writeFileSync(`${sums}.tmp`, sha256sums(written));
  fs.chmodSync(`${sums}.tmp`, 0o644);
  fs.renameSync(`${sums}.tmp`, sums);
  return { files: written, sums };
}

/**
 * install.sh with the release signing key embedded as its allowed_signers line (principal etcdup-release), so
 * the published copy verifies SHA256SUMS.sig with `ssh-keygen -Y verify`. `publicKey` is an OpenSSH public
 * key line (`ssh-ed25519 AAAA... comment`); its comment is dropped.
 * @example embedSigner(installSh, "ssh-ed25519 AAAAC3Nz... release") // "...release_signer='etcdup-release ssh-ed25519 AAAAC3Nz...'..."
 */
export function embedSigner(installSh: string, publicKey: string): string {
  const [type, key] = publicKey.trim().split(/\s+/);
  if (
    !/^(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa)$/.test(type ?? "") || !/^[A-Za-z0-9+/=]+$/.test(key ?? "")
  ) {
    throw usageError(
      "bad-signer",
      "build.ts --signer: not an OpenSSH public key",
      "Give the .pub file of the key.",
    );
  }
  const line = "release_signer=''";
  if (!installSh.includes(`\n${line}\n`)) {
    throw new EtcdupError({ code: "internal", message: `install.sh has no ${line} line to fill in` });
  }
  return installSh.replace(`\n${line}\n`, `\nrelease_signer='etcdup-release ${type} ${key}'\n`);
}

/** The target of the machine running the build, if it is one etcdup ships for. */
function hostTarget(): Target | undefined {
  const arch = Deno.build.arch === "x86_64" ? "amd64" : Deno.build.arch === "aarch64" ? "arm64" : undefined;
  return Deno.build.os === "linux" ? TARGETS.find((t) => t.arch === arch) : undefined;
}

/**
 * Builds the binaries and SHA256SUMS. Binaries are compiled into a temp folder and moved into `out` only
 * when every target succeeded, so a failed build never leaves a half-finished dist/.
 * @example const r = await build({ targets: [TARGETS[0]] }); // r.binaries[0] ends in dist/etcdup-linux-amd64
 */
export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const src = path.resolve(opts.src ?? import.meta.dirname!);
  const out = path.resolve(opts.out ?? path.join(src, "dist"));
  const env = opts.env ?? Deno.env.toObject();
  const log = opts.log ?? (() => {});
  const version = opts.version ?? buildInfo.version;
  const commit = await gitCommit(src);
  const staged = await stage(src, { version, commit });
  try {
    const built: string[] = [];
    for (const target of opts.targets ?? TARGETS) {
      const file = path.join(staged, "dist", `etcdup-linux-${target.arch}`);
      log(`compiling etcdup ${version} (${commit}) for ${target.triple}`);
      await compileTarget(staged, target, file, {
        noCheck: opts.noCheck ?? false,
        env,
        expect: `etcdup ${version} (${commit})`,
      });
      built.push(file);
    }
    const installer = path.join(staged, "install.sh");
    if (opts.signer) {
      fs.writeFileSync(installer, embedSigner(fs.readFileSync(installer, "utf8"), opts.signer));
    }
    const { files, sums } = publish(out, [...built, installer]);
    for (const f of [...files, sums]) log(`wrote ${f}`);
    return { version, commit, binaries: files.slice(0, built.length), installer: files[built.length], sums };
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
}

const USAGE =
  "Usage: deno task build [--target amd64|arm64]... [--out DIR] [--version V] [--no-check] [--signer KEY.pub]";

/** The public key in `file` (`--signer`), or a usage error naming the flag. */
function readSigner(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw usageError(
      "bad-signer",
      `build.ts --signer ${file}: ${(err as Error).message}`,
      "Give the .pub file.",
    );
  }
}

/** Parses build.ts's own flags. */
function parseBuildArgs(argv: string[]): BuildOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        target: { type: "string", multiple: true },
        out: { type: "string" },
        version: { type: "string" },
        "no-check": { type: "boolean" },
        signer: { type: "string" },
      },
      strict: true,
    });
  } catch (err) {
    throw usageError(
      "bad-build-flag",
      `build.ts: ${(err as Error).message}`,
      USAGE,
    );
  }
  const v = parsed.values;
  const targets = v.target?.map((name) => {
    const t = TARGETS.find((t) => t.arch === name || t.triple === name);
    if (!t) throw usageError("bad-target", `build.ts: unknown --target '${name}'`, "Use amd64 or arm64.");
    return t;
  });
  const signer = v.signer === undefined ? undefined : readSigner(v.signer);
  return { targets, out: v.out, version: v.version, noCheck: v["no-check"], signer };
}

if (import.meta.main) {
  const out = createOutput();
  try {
    const r = await build({ ...parseBuildArgs(Deno.args), log: (line) => out.step(line) });
    out.result(r, [...r.binaries, r.installer, r.sums].join("\n"));
  } catch (err) {
    out.error(asEtcdupError(err));
    Deno.exit(asEtcdupError(err).exit);
  }
}
