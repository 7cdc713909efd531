/**
 * Running host commands from tests: one helper that collects output, and one that also demands success,
 * so a failing tool names itself, its argv and its stderr in the test failure.
 */

/** Output of a finished command. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link exec}. */
export interface ExecOptions {
  cwd?: string;
  /** Extra environment variables (merged over the test process's environment). */
  env?: Record<string, string>;
  /** Text written to the command's standard input. */
  input?: string;
  /** Kill the command and fail after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * Runs `argv` and returns its exit code and output, whatever the exit code.
 * @example const { code, stdout } = await exec(["ip", "netns", "list"]);
 */
export async function exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const signal = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  if (opts.input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(opts.input));
    await writer.close();
  }
  const out = await child.output();
  if (signal?.aborted) {
    throw new Error(`${argv.join(" ")} did not finish within ${opts.timeoutMs} ms`);
  }
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Runs `argv` and returns its standard output; throws naming the command and its stderr if it fails.
 * @example const version = await execOk(["dpkg-deb", "-f", deb, "Version"]);
 */
export async function execOk(argv: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await exec(argv, opts);
  if (r.code !== 0) {
    throw new Error(`${argv.join(" ")} exited ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim()}`.trim());
  }
  return r.stdout;
}
