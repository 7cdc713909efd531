/**
 * The one error type of etcdup. Every failure that reaches the user is an {@link EtcdupError}:
 * a stable machine-readable `code`, a human `message` naming the problem, a `hint` naming the fix,
 * and the process exit status it maps to. `main.ts` is the only place that turns it into an exit.
 */

/** Stable exit statuses, documented in the README. Never renumber. */
export const Exit = {
  ok: 0,
  /** Anything else that went wrong (I/O, a command that failed). */
  failure: 1,
  /** Bad flags, bad config, bad arguments. */
  usage: 2,
  /** A checksum, signature, certificate chain or tarball check failed: nothing was installed. */
  verification: 3,
  /** etcd was installed but did not become healthy over mutual TLS. */
  health: 4,
  /** A download failed (network, HTTP status, proxy, TLS). */
  network: 5,
  /** `certs check` (or `status`) found a problem: expired, expiring, broken chain, drift, bad mode. */
  check: 6,
  /** The host is not fit for the operation (not root, no systemd, unsupported arch, unsafe state). */
  precondition: 7,
} as const;

/** One of the documented exit statuses. */
export type ExitCode = typeof Exit[keyof typeof Exit];

/** Fields of an {@link EtcdupError}. */
export interface ErrorInit {
  /** Stable identifier, kebab-case, e.g. `checksum-mismatch`. */
  code: string;
  /** What is wrong, naming the offending input (flag, file, URL). */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** Exit status; defaults to {@link Exit.failure}. */
  exit?: ExitCode;
  /** The underlying error, kept for `--json` and debugging. */
  cause?: unknown;
}

/** An error meant for the user: code, message, hint and exit status. */
export class EtcdupError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exit: ExitCode;

  constructor(init: ErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = "EtcdupError";
    this.code = init.code;
    this.hint = init.hint;
    this.exit = init.exit ?? Exit.failure;
  }

  /** A plain object for `--json` output. */
  toJSON(): { code: string; message: string; hint?: string; exit: number } {
    return { code: this.code, message: this.message, hint: this.hint, exit: this.exit };
  }
}

/** Shorthand for a usage error (exit 2), e.g. a bad flag value. */
export function usageError(code: string, message: string, hint?: string): EtcdupError {
  return new EtcdupError({ code, message, hint, exit: Exit.usage });
}

/** Shorthand for a verification error (exit 3), e.g. a checksum mismatch. */
export function verificationError(code: string, message: string, hint?: string): EtcdupError {
  return new EtcdupError({ code, message, hint, exit: Exit.verification });
}

/** `etcdup COMMAND must run as root (WHY)`, exit 7 (`not-root`); `hint` says what to do (default: sudo). */
export function notRoot(command: string, why: string, hint = "Run it as root (sudo)."): EtcdupError {
  return new EtcdupError({
    code: "not-root",
    message: `etcdup ${command} must run as root (${why})`,
    hint,
    exit: Exit.precondition,
  });
}

/**
 * Turns anything thrown into an {@link EtcdupError}, so the exit path has one shape.
 * Unknown errors become `internal` with exit 1 and their message kept.
 */
export function asEtcdupError(err: unknown): EtcdupError {
  if (err instanceof EtcdupError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EtcdupError({
    code: "internal",
    message,
    hint: "This is a bug or an unexpected host state; re-run with ETCDUP_DEBUG=1 for a stack trace.",
    cause: err,
  });
}
