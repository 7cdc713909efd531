/**
 * The directory the operator typed the command in. `deno task etcdup ...` runs main.ts in the checkout
 * (deno.json's directory) and exports the invoking directory as `INIT_CWD`; relative paths on the command
 * line (`--tarball ./x.tar.gz`, `--config`, `--root`, `--ca-cert`, `--output`...) mean that directory.
 */
import * as path from "node:path";

/**
 * The directory to resolve relative paths against when it is not the working directory: `INIT_CWD`, but
 * only when etcdup runs from source under the deno CLI (`runtime` is `Deno.execPath()`), where `deno task`
 * sets it; a compiled etcdup ignores an `INIT_CWD` it may inherit from some npm script.
 * @example invocationDir({ INIT_CWD: "/srv/tarballs" }, "/opt/etcdup", "/usr/bin/deno") // "/srv/tarballs"
 */
export function invocationDir(
  env: Record<string, string | undefined>,
  cwd: string,
  runtime: string,
): string | undefined {
  const init = env.INIT_CWD;
  if (!init || !path.isAbsolute(init) || path.basename(runtime) !== "deno") return undefined;
  return path.resolve(init) === path.resolve(cwd) ? undefined : path.resolve(init);
}
