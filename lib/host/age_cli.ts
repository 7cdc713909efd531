/**
 * The reference age CLI (`age`, Go, by the age spec's authors) as the encrypter of backups when the host has
 * it: it encrypts a 130 MiB snapshot in about 0.3 s of CPU where the built-in `age-encryption` (pure JS)
 * takes 1.5-2.5 s, which is most of what `backup --encrypt-to` costs beyond the manual pipeline. Found by an
 * absolute path search of PATH; `ETCDUP_AGE` pins it (`ETCDUP_AGE=/opt/age/age`) or disables it
 * (`ETCDUP_AGE=builtin`: the built-in library, which stays the fallback of hosts without age). The child
 * reads the plaintext on stdin and writes the ciphertext on stdout, both streamed; a child that fails or is
 * killed fails the encryption (`age-cli-failed`), so what the caller wrote of its output is discarded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError, Exit, usageError } from "../errors.ts";

/** An age binary found on the host. */
export interface AgeCli {
  /** Its absolute path. */
  path: string;
  /** What `age --version` printed (e.g. `1.1.1`). */
  version: string;
}

/** How long `age --version` may take. */
const VERSION_TIMEOUT_MS = 10_000;

/** Whether `file` is a regular file someone may execute. */
function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Refusal of an age binary that cannot be used (exit 2), naming where it came from. */
function unusable(file: string, from: string, why: string): EtcdupError {
  return usageError(
    "age-cli-unusable",
    `the age binary ${file} (${from}) cannot be used: ${why}`,
    "Install age (Debian: apt install age), point ETCDUP_AGE at its absolute path, or set ETCDUP_AGE=builtin for the built-in implementation.",
  );
}

/**
 * The age binary backups encrypt with: `ETCDUP_AGE` when it is an absolute path, none when it is `builtin`,
 * else the first executable `age` in PATH's absolute directories (relative ones are skipped: the binary that
 * runs must not depend on the working directory); undefined when there is none. Refuses (exit 2,
 * `age-cli-unusable`) an `ETCDUP_AGE` that is neither, and a binary that does not answer `--version`.
 */
export async function findAgeCli(env: Record<string, string | undefined>): Promise<AgeCli | undefined> {
  const pinned = env.ETCDUP_AGE?.trim();
  let file: string | undefined;
  let from: string;
  if (pinned === "builtin") return undefined;
  if (pinned) {
    if (!path.isAbsolute(pinned)) {
      throw unusable(pinned, "ETCDUP_AGE", "not an absolute path (or 'builtin')");
    }
    if (!isExecutable(pinned)) throw unusable(pinned, "ETCDUP_AGE", "not an executable file");
    file = pinned;
    from = "ETCDUP_AGE";
  } else {
    const dirs = (env.PATH ?? "").split(":").filter((d) => path.isAbsolute(d));
    file = dirs.map((d) => path.join(d, "age")).find(isExecutable);
    from = "found in PATH";
    if (file === undefined) return undefined;
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(file, {
      args: ["--version"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(VERSION_TIMEOUT_MS),
    }).output(); // not outputSync: a blocked event loop would never fire the timeout
  } catch (err) {
    throw unusable(file, from, (err as Error).message);
  }
  const version = new TextDecoder().decode(out.stdout).trim().replace(/^v/, "");
  if (!out.success || !/^\d+\.\d+/.test(version)) {
    throw unusable(file, from, `'${file} --version' answered exit ${out.code}: ${version.slice(0, 80)}`);
  }
  return { path: file, version };
}

/** How an encryption is described to the user: `age 1.1.1 (/usr/bin/age)` or `built-in age-encryption`. */
export function ageDescription(cli: AgeCli | undefined): string {
  return cli ? `age ${cli.version} (${cli.path})` : "built-in age-encryption";
}

/** The last of a child's stderr kept for its error message. */
const STDERR_KEEP = 2000;

/**
 * Encrypts `plain` to `recipients` with the age binary `cli`: the plaintext goes to its stdin, its stdout
 * (the ciphertext) to `write`, both streamed. The stream `write` gets ends in an error, and so fails its
 * writer, unless the child exited 0 after reading all of `plain`: a child that fails or is killed gives
 * `age-cli-failed` (exit 1) with its stderr, a `plain` that fails (its writer failed, or it was stopped)
 * gives that error. The child is killed and waited for on any failure.
 */
export async function encryptWithCli<R>(
  cli: AgeCli,
  recipients: string[],
  plain: ReadableStream<Uint8Array>,
  write: (ciphertext: ReadableStream<Uint8Array>) => Promise<R>,
): Promise<R> {
  const child = new Deno.Command(cli.path, {
    args: ["--encrypt", ...recipients.flatMap((r) => ["-r", r])],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // it has exited already
    }
  };
  const stderr = new Response(child.stderr).text().then((t) => t.slice(-STDERR_KEEP), () => "");
  let sourceFailed: { err: unknown } | undefined;
  const feeding = (async () => {
    const input = plain.getReader();
    const stdin = child.stdin.getWriter();
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await input.read();
      } catch (err) {
        sourceFailed = { err };
        kill();
        await stdin.abort().catch(() => {});
        return;
      }
      if (next.done) break;
      try {
        await stdin.write(next.value);
      } catch {
        // The child stopped reading: its exit says why.
        await input.cancel().catch(() => {});
        return;
      }
    }
    await stdin.close().catch(() => {});
  })();
  const checked = child.stdout.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async flush() {
        await feeding;
        const status = await child.status;
        if (sourceFailed) throw sourceFailed.err;
        if (!status.success) {
          const how = status.signal ? `was killed by ${status.signal}` : `exited with ${status.code}`;
          throw new EtcdupError({
            code: "age-cli-failed",
            message: `${cli.path} --encrypt ${how}: ${(await stderr).trim() || "no message"}`,
            hint:
              "Nothing was kept. Check that binary ('age --version'), or set ETCDUP_AGE=builtin to encrypt with the built-in implementation.",
            exit: Exit.failure,
          });
        }
      },
    }),
  );
  try {
    return await write(checked);
  } catch (err) {
    kill();
    throw err;
  } finally {
    await feeding;
    await child.status;
    await stderr;
  }
}
