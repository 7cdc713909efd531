/**
 * How the shipping tests run etcdup: the compiled binary named by `ETCDUP_BIN` when set (e.g.
 * `ETCDUP_BIN=dist/etcdup-linux-amd64`), else `deno run` of main.ts with the permissions the binary is
 * compiled with. Which one is printed once, so a test log says what was tested.
 */
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";

/** Real path of the repository. */
export const REPO = path.resolve(import.meta.dirname!, "../..");

let announced = false;

/**
 * The argv prefix that runs etcdup.
 * @example const [cmd, ...pre] = etcdupArgv(); new Deno.Command(cmd, { args: [...pre, "--help"] });
 */
export function etcdupArgv(): string[] {
  const bin = Deno.env.get("ETCDUP_BIN");
  const argv = bin
    ? [path.resolve(bin)]
    : [Deno.execPath(), "run", ...RUNTIME_PERMISSIONS, path.join(REPO, "main.ts")];
  if (!announced) {
    announced = true;
    console.log(`shipping tests run etcdup as: ${bin ? `compiled binary ${argv[0]}` : "deno run main.ts"}`);
  }
  return argv;
}

/** Output of one etcdup run. */
export interface EtcdupRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** PATH, HOME and DENO_DIR of this process: what `deno run` needs to find its cache. */
function passThrough(): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) keep[k] = v;
  }
  return keep;
}

/** Runs etcdup with `args` and the environment `env` (plus PATH, HOME, DENO_DIR only), stdin empty. */
export async function runEtcdup(args: string[], env: Record<string, string> = {}): Promise<EtcdupRun> {
  const [cmd, ...pre] = etcdupArgv();
  const out = await new Deno.Command(cmd, {
    args: [...pre, ...args],
    clearEnv: true,
    env: { ...passThrough(), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
