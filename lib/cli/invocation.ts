/**
 * The directory the operator typed the command in. `deno task etcdup ...` runs main.ts in the checkout
 * (deno.json's directory) and exports the invoking directory as `INIT_CWD`; relative paths on the command
 * line (`--tarball ./x.tar.gz`, `--config`, `--root`, `--ca-cert`, `--output`...) mean that directory.
 */
import * as path from "node:path";

/**
 * The directory to resolve relative paths against when it is not the working directory: `INIT_CWD`, but
 * only while the process runs in `taskDir` (where `deno task` puts it), so a stale `INIT_CWD` inherited by
 * another program (a compiled binary, a test's child with its own cwd) changes nothing.
 * @example invocationDir({ INIT_CWD: "/srv/tarballs" }, "/opt/etcdup", "/opt/etcdup") // "/srv/tarballs"
 */
export function invocationDir(
  env: Record<string, string | undefined>,
  cwd: string,
  taskDir: string,
): string | undefined {
  const init = env.INIT_CWD;
  if (!init || !path.isAbsolute(init) || path.resolve(cwd) !== path.resolve(taskDir)) return undefined;
  return path.resolve(init) === path.resolve(cwd) ? undefined : path.resolve(init);
}
