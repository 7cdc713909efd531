/**
 * etcdup on the host: the timers etcdup installs run `/usr/local/bin/etcdup`, so install places the running
 * etcdup there. A compiled etcdup copies its own executable; etcdup run from source (`deno run main.ts`)
 * places a small POSIX sh wrapper that runs the same main module with the same deno, the runtime permissions
 * of permissions.ts, the module-resolution flags it was started with (`--cached-only`, `--no-lock`, ...) and
 * its DENO_* environment (DENO_DIR pinned, since a systemd service has no HOME to find deno's cache in).
 */
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";
import { sha256Hex } from "../hash.ts";
import { sha256File } from "./hash.ts";
import { escapeControls, shellWord } from "../text.ts";
import { type DesiredFile, SELF_PATH } from "../files.ts";

/** How a source run of etcdup was started: what its wrapper repeats. */
export interface SourceRun {
  /** The deno executable (real path). */
  deno: string;
  /** deno flags that decide module resolution, kept as given (`--cached-only`, `--no-lock`, ...). */
  flags: string[];
  /** The main module (real path). */
  main: string;
  /** DENO_* variables, DENO_DIR included. */
  env: Record<string, string>;
}

/** Flags of `deno run` the wrapper repeats: they decide where and how modules resolve, not what is allowed. */
const KEPT_FLAGS = [
  "--cached-only",
  "--no-lock",
  "--lock",
  "--no-check",
  "--config",
  "--no-config",
  "--import-map",
];

/**
 * The wrapper script for a source run: `export VAR=...` for each DENO_* variable, then `exec deno run FLAGS
 * PERMISSIONS MAIN "$@"`. Every word is shell-quoted, and the comment naming the checkout has its control
 * characters escaped, so no path (spaces, quotes, `$`, a newline) adds a command; no `env` either, which
 * would take a deno path containing `=` for one more variable. Pure.
 * @example renderWrapper({ deno: "/usr/bin/deno", flags: [], main: "/src/main.ts", env: { DENO_DIR: "/c" } })
 * // "#!/bin/sh\n# ...\nexport DENO_DIR=/c\nexec /usr/bin/deno run --allow-read ... /src/main.ts \"$@\"\n"
 */
export function renderWrapper(run: SourceRun): string {
  const exports = Object.keys(run.env).sort().map((k) => `export ${shellWord(`${k}=${run.env[k]}`)}`);
  const argv = [run.deno, "run", ...run.flags, ...RUNTIME_PERMISSIONS, run.main].map(shellWord);
  return [
    "#!/bin/sh",
    `# ${SELF_PATH}: written by etcdup install; runs the etcdup checkout at ${
      escapeControls(run.main)
    } from source.`,
    ...exports,
    `exec ${argv.join(" ")} "$@"`,
    "",
  ].join("\n");
}

/**
 * The deno flags of `cmdline` (a process's argv) that the wrapper keeps: those before the argument naming
 * `main` (resolved against `cwd`), in {@link KEPT_FLAGS}, written `--flag` or `--flag=value`. Pure.
 * @example keptFlags(["deno", "run", "-A", "--cached-only", "main.ts", "x"], "/src/main.ts", "/src")
 * // ["--cached-only"]
 */
export function keptFlags(cmdline: string[], main: string, cwd: string): string[] {
  const at = cmdline.findIndex((a, i) => i > 0 && !a.startsWith("-") && path.resolve(cwd, a) === main);
  return cmdline.slice(1, at < 0 ? 1 : at).filter((a) => KEPT_FLAGS.includes(a.split("=")[0]));
}

/** DENO_* variables the wrapper repeats: where deno's cache is and how it resolves and trusts. */
const KEPT_ENV = [
  "DENO_DIR",
  "DENO_NO_PACKAGE_JSON",
  "DENO_NO_UPDATE_CHECK",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
];

/**
 * This process's argv as the kernel has it. Deno only lets a program with --allow-all read /proc/self, so
 * `cat` (etcdup has --allow-run) reads it; empty when that fails (the wrapper then has no extra flags).
 */
function ownCmdline(): string[] {
  try {
    const r = new Deno.Command("cat", {
      args: [`/proc/${Deno.pid}/cmdline`],
      stdout: "piped",
      stderr: "null",
    })
      .outputSync();
    return r.code === 0 ? new TextDecoder().decode(r.stdout).split("\0").filter((a) => a !== "") : [];
  } catch {
    return [];
  }
}

/** How this process was started from source: deno, flags, main module and DENO_* environment. */
function sourceRun(env: Record<string, string | undefined>): SourceRun {
  const main = path.resolve(new URL(Deno.mainModule).pathname);
  const denoEnv: Record<string, string> = {};
  for (const k of KEPT_ENV) if (env[k] !== undefined) denoEnv[k] = env[k];
  denoEnv.DENO_DIR ??= path.join(env.XDG_CACHE_HOME ?? path.join(env.HOME ?? "/root", ".cache"), "deno");
  return { deno: Deno.execPath(), flags: keptFlags(ownCmdline(), main, Deno.cwd()), main, env: denoEnv };
}

/**
 * The running etcdup as a file for {@link SELF_PATH} (root 0755): a copy of the compiled executable (by
 * reference, hashed and copied in chunks: it is ~100 MiB), or the wrapper of a source run. Reads this
 * process's executable, /proc/self/cmdline and `env`.
 */
export function selfFile(env: Record<string, string | undefined> = Deno.env.toObject()): DesiredFile {
  const wrapper = Deno.build.standalone ? undefined : renderWrapper(sourceRun(env));
  return {
    path: SELF_PATH,
    content: wrapper ?? { copyOf: Deno.execPath() },
    sha256: wrapper === undefined ? sha256File(Deno.execPath()) : sha256Hex(wrapper),
    uid: 0,
    gid: 0,
    mode: 0o755,
    protectEdits: false,
    readByEtcd: false,
  };
}
