/**
 * The etcdup command under test, as it runs inside a container. With `ETCDUP_BIN` set (the path of a compiled
 * etcdup binary) that binary runs; otherwise `deno run` with exactly the runtime permissions of permissions.ts
 * on the project's main.ts. Either is bind-mounted read-only under /opt/etcdup-test, outside everything the
 * installer writes; for `deno run` the deno binary, the source and a DENO_DIR prepared on the host
 * (`deno cache main.ts`) go in, and deno runs with `--cached-only`, so nothing is fetched inside.
 */
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../../permissions.ts";
import type { ExecResult } from "../../support/exec.ts";
import { execOk } from "../../support/exec.ts";
import type { Bind, Container, ContainerExecOptions } from "./container.ts";

/** How to run etcdup in a container booted with {@link EtcdupUnderTest.binds}. */
export interface EtcdupUnderTest {
  /** "compiled binary <path>" or "deno run <permissions> main.ts", for the suite's log. */
  description: string;
  /** Pass these to `Container.boot({ binds })`. */
  binds: readonly Bind[];
  /**
   * Runs `etcdup <args>` inside `ct` (clean environment plus `opts.env`); never throws on exit status.
   * @example const r = await etcdup.run(ct, ["install", "--dry-run"]);
   */
  run(ct: Container, args: readonly string[], opts?: ContainerExecOptions): Promise<ExecResult>;
  /** A POSIX sh script that runs etcdup under test with its own arguments, to stand where an installer puts etcdup. */
  script: string;
}

const PROJECT = path.resolve(new URL("../../..", import.meta.url).pathname);
const MOUNT = "/opt/etcdup-test";

/**
 * package.json only pins the toolchain (npm:deno): resolving it would warn about its build script on every run.
 * With --no-lock on both sides, preparing the cache never rewrites the project's deno.lock.
 */
const DENO_ENV = { DENO_NO_PACKAGE_JSON: "1", DENO_NO_UPDATE_CHECK: "1" };

let prepared: Promise<EtcdupUnderTest> | undefined;

/** The command under test (prepared once per process, which it logs), chosen by `ETCDUP_BIN`. */
export function etcdupUnderTest(): Promise<EtcdupUnderTest> {
  prepared ??= prepare().then((cmd) => {
    console.error(`e2e: etcdup under test: ${cmd.description}`);
    return cmd;
  });
  return prepared;
}

async function prepare(): Promise<EtcdupUnderTest> {
  const binary = Deno.env.get("ETCDUP_BIN");
  if (binary) {
    const real = path.resolve(binary);
    await Deno.stat(real);
    return command(
      `compiled binary ${real}`,
      [{ host: real, container: `${MOUNT}/etcdup`, readOnly: true }],
      [
        `${MOUNT}/etcdup`,
      ],
      {},
    );
  }
  const denoDir = path.join(PROJECT, ".cache/deno-e2e");
  await execOk([Deno.execPath(), "cache", "--no-lock", "main.ts"], {
    cwd: PROJECT,
    env: { DENO_DIR: denoDir, ...DENO_ENV },
    timeoutMs: 300_000,
  });
  return command(
    `deno run ${RUNTIME_PERMISSIONS.join(" ")} main.ts (source; set ETCDUP_BIN to test a compiled binary)`,
    [
      { host: Deno.execPath(), container: `${MOUNT}/deno`, readOnly: true },
      { host: PROJECT, container: `${MOUNT}/src`, readOnly: true },
      { host: denoDir, container: `${MOUNT}/deno-dir` },
    ],
    [`${MOUNT}/deno`, "run", "--cached-only", "--no-lock", ...RUNTIME_PERMISSIONS, `${MOUNT}/src/main.ts`],
    { DENO_DIR: `${MOUNT}/deno-dir`, ...DENO_ENV },
  );
}

function command(
  description: string,
  binds: Bind[],
  argv: string[],
  env: Record<string, string>,
): EtcdupUnderTest {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return {
    description,
    binds,
    run: (ct, args, opts = {}) => ct.exec([...argv, ...args], { ...opts, env: { ...env, ...opts.env } }),
    script: `#!/bin/sh\nexec env ${[...assignments, ...argv].join(" ")} "$@"\n`,
  };
}
