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

/**
 * The registry: every error code etcdup can report, with the exit status it maps to. A code is stable (scripts
 * match on it), so it is added here, never renamed; the README's "Error codes" list is checked against this
 * table (tests/core/error_codes_test.ts), and an {@link EtcdupError} takes its exit from it.
 */
export const ERROR_CODES = {
  // exit 1: anything else (I/O, a command that failed)
  "age-cli-failed": Exit.failure,
  "backup-disk-full": Exit.failure,
  "bench-broken": Exit.failure,
  "compile-failed": Exit.failure,
  "compile-wrong-arch": Exit.failure,
  "etcd-timeout": Exit.failure,
  "internal": Exit.failure,
  "lock-lost": Exit.failure,
  "lock-timeout": Exit.failure,
  "nospace-not-freed": Exit.failure,
  "not-a-checkout": Exit.failure,
  "restore-failed": Exit.failure,
  "rollback-failed": Exit.failure,
  "s3-upload-failed": Exit.failure,
  "snapshot-failed": Exit.failure,
  "systemctl-failed": Exit.failure,
  "upgrade-rolled-back": [
    Exit.health,
    Exit.failure,
    Exit.usage,
    Exit.verification,
    Exit.network,
    Exit.precondition,
  ],
  "user-create-failed": Exit.failure,
  "member-add-failed": [Exit.failure, Exit.health],
  "member-promote-failed": [Exit.failure, Exit.health],
  "member-remove-failed": [Exit.failure, Exit.health],
  // exit 2: bad flags, config, arguments
  "age-cli-unusable": Exit.usage,
  "age-identity-invalid": Exit.usage,
  "age-identity-unreadable": Exit.usage,
  "age-recipient-invalid": Exit.usage,
  "bad-address": Exit.usage,
  "bad-advertise-address": Exit.usage,
  "bad-arch": Exit.usage,
  "bad-arguments": Exit.usage,
  "bad-bench": Exit.usage,
  "bad-boolean": Exit.usage,
  "bad-build-flag": Exit.usage,
  "bad-ca-export": Exit.usage,
  "bad-client-name": Exit.usage,
  "bad-cluster-token": Exit.usage,
  "bad-config-value": Exit.usage,
  "bad-election-timeout": Exit.usage,
  "bad-flag": Exit.usage,
  "bad-flag-value": Exit.usage,
  "bad-initial-cluster": Exit.usage,
  "bad-key-algorithm": Exit.usage,
  "bad-layout": Exit.usage,
  "bad-mirror": Exit.usage,
  "bad-name": Exit.usage,
  "bad-number": Exit.usage,
  "bad-path": Exit.usage,
  "bad-port": Exit.usage,
  "bad-retention": Exit.usage,
  "bad-runtime": Exit.usage,
  "bad-san": Exit.usage,
  "bad-schedule": Exit.usage,
  "bad-sha256": Exit.usage,
  "bad-signer": Exit.usage,
  "bad-size": Exit.usage,
  "bad-target": Exit.usage,
  "bad-textfile": Exit.usage,
  "bad-tuning": Exit.usage,
  "bad-url": Exit.usage,
  "bad-validity": Exit.usage,
  "bad-version": Exit.usage,
  "bundle-missing-release": Exit.usage,
  "bundle-unreadable": Exit.usage,
  "ca-unreadable": Exit.usage,
  "cert-outlives-ca": Exit.usage,
  "cluster-url-mismatch": Exit.usage,
  "config-invalid": Exit.usage,
  "config-unknown-key": Exit.usage,
  "config-unreadable": Exit.usage,
  "conflicting-ca": Exit.usage,
  "conflicting-flags": Exit.usage,
  "conflicting-sources": Exit.usage,
  "duplicate-peer-url": Exit.usage,
  "empty-root": Exit.usage,
  "for-user-root": Exit.usage,
  "identity-required": Exit.usage,
  "if-expiring-with-names": Exit.usage,
  "incomplete-ca": Exit.usage,
  "join-needs-ca": Exit.usage,
  "join-root-needs-dry-run": Exit.usage,
  "member-name-taken": Exit.usage,
  "mirror-ca-invalid": Exit.usage,
  "mirror-ca-unreadable": Exit.usage,
  "mirror-ca-without-mirror": Exit.usage,
  "missing-out": Exit.usage,
  "missing-output": Exit.usage,
  "out-dir-missing": Exit.usage,
  "overlapping-directories": Exit.usage,
  "port-clash": Exit.usage,
  "quota-too-large": Exit.usage,
  "relative-path": Exit.usage,
  "remote-not-configured": Exit.usage,
  "renew-ca": Exit.usage,
  "reset-sans-unused": Exit.usage,
  "restore-needs-source": Exit.usage,
  "restore-url-not-object": Exit.usage,
  "root-is-live-host": Exit.usage,
  "root-path": Exit.usage,
  "s3-bucket-invalid": Exit.usage,
  "s3-ca-invalid": Exit.usage,
  "s3-ca-unreadable": Exit.usage,
  "s3-credentials-invalid": Exit.usage,
  "s3-credentials-missing": Exit.usage,
  "s3-credentials-unreadable": Exit.usage,
  "s3-endpoint-invalid": Exit.usage,
  "s3-flag-without-upload": Exit.usage,
  "s3-prefix-invalid": Exit.usage,
  "s3-region-invalid": Exit.usage,
  "s3-url-invalid": Exit.usage,
  "same-ca": Exit.usage,
  "self-not-in-cluster": Exit.usage,
  "sha256-needs-one-arch": Exit.usage,
  "snapshot-missing": Exit.usage,
  "tarball-unreadable": Exit.usage,
  "unexpected-argument": Exit.usage,
  "unexpected-out": Exit.usage,
  "unknown-certificate": Exit.usage,
  "unknown-command": Exit.usage,
  "unknown-flag": Exit.usage,
  "unknown-user": Exit.usage,
  "unknown-version-alias": Exit.usage,
  "unsafe-directory": Exit.usage,
  "version-tarball-mismatch": Exit.usage,
  "window-without-if-expiring": Exit.usage,
  // exit 3: a checksum, signature, chain or tarball check failed
  "age-decrypt-failed": Exit.verification,
  "age-wrong-identity": Exit.verification,
  "bad-binary": Exit.verification,
  "bad-gzip": Exit.verification,
  "bad-pem": Exit.verification,
  "bad-tar": Exit.verification,
  "binary-broken": Exit.verification,
  "binary-not-runnable": Exit.verification,
  "ca-cannot-sign": Exit.verification,
  "ca-expired": Exit.verification,
  "ca-key-mismatch": Exit.verification,
  "checksum-mismatch": Exit.verification,
  "download-digest-mismatch": Exit.verification,
  "missing-binary": Exit.verification,
  "no-trusted-digest": Exit.verification,
  "not-a-ca": Exit.verification,
  "remote-record-invalid": Exit.verification,
  "renewal-unsafe": Exit.verification,
  "restore-revision-mismatch": Exit.verification,
  "snapshot-corrupt": Exit.verification,
  "snapshot-digest-mismatch": Exit.verification,
  "snapshot-unverified": Exit.verification,
  "tarball-too-large": Exit.verification,
  "trailing-garbage": Exit.verification,
  "unsafe-tarball": Exit.verification,
  "unsupported-key-algorithm": Exit.verification,
  "upload-digest-mismatch": Exit.verification,
  "upload-verify-failed": Exit.verification,
  "version-mismatch": Exit.verification,
  // exit 4: etcd did not become healthy
  "local-member-unreachable": Exit.health,
  "member-unhealthy": Exit.health,
  "no-leader": Exit.health,
  "recover-not-solo": Exit.health,
  "renewal-rolled-back": Exit.health,
  "running-version-mismatch": Exit.health,
  "unhealthy": Exit.health,
  "upload-leader-unknown": Exit.health,
  // exit 5: a download or an S3 request failed
  "cluster-unreachable": Exit.network,
  "download-failed": Exit.network,
  "http-status": Exit.network,
  "release-not-found": Exit.network,
  "remote-record-missing": Exit.network,
  "s3-access-denied": Exit.network,
  "s3-bucket-not-found": Exit.network,
  "s3-delete-failed": Exit.network,
  "s3-object-not-found": Exit.network,
  "s3-request-failed": Exit.network,
  "s3-server-error": Exit.network,
  "s3-tls-verify-failed": Exit.network,
  "s3-unreachable": Exit.network,
  "s3-wrong-region": Exit.network,
  "tls-verify-failed": Exit.network,
  // exit 7: the host is not fit for the operation
  "age-identity-unsafe": Exit.precondition,
  "backup-dir-unusable": Exit.precondition,
  "ca-cert-missing": Exit.precondition,
  "ca-conflict": Exit.precondition,
  "ca-key-missing": Exit.precondition,
  "client-exists": Exit.precondition,
  "cluster-has-quorum": Exit.precondition,
  "cluster-still-running": Exit.precondition,
  "downgrade-refused": Exit.precondition,
  "downgrade-refused-by-etcd": Exit.precondition,
  "env-incomplete": Exit.precondition,
  "etcd-tool-missing": Exit.precondition,
  "minimum-patch-required": Exit.precondition,
  "missing-pair": Exit.precondition,
  "no-ca": Exit.precondition,
  "no-pki": Exit.precondition,
  "no-runtime": Exit.precondition,
  "no-systemd": Exit.precondition,
  "no-textfile-dir": Exit.precondition,
  "not-a-directory": Exit.precondition,
  "not-a-regular-file": Exit.precondition,
  "not-installed": Exit.precondition,
  "not-root": Exit.precondition,
  "not-running": Exit.precondition,
  "out-exists": Exit.precondition,
  "out-unsafe": Exit.precondition,
  "path-hard-linked": Exit.precondition,
  "path-is-symlink": Exit.precondition,
  "path-symlink-loop": Exit.precondition,
  "pki-changed": Exit.precondition,
  "pki-file-hard-linked": Exit.precondition,
  "pki-file-is-symlink": Exit.precondition,
  "recover-learner": Exit.precondition,
  "recover-not-a-member": Exit.precondition,
  "remote-no-snapshot": Exit.precondition,
  "rename-needs-replace": Exit.precondition,
  "replace-last-member": Exit.precondition,
  "replace-live-member": Exit.precondition,
  "replace-loses-quorum": Exit.precondition,
  "restore-in-progress": Exit.precondition,
  "root-missing": Exit.precondition,
  "rotation-in-progress": Exit.precondition,
  "rotation-incomplete": Exit.precondition,
  "rotation-interrupted": Exit.precondition,
  "s3-credentials-unsafe": Exit.precondition,
  "shadow-missing": Exit.precondition,
  "snapshot-not-root-only": Exit.precondition,
  "snapshot-too-new": Exit.precondition,
  "stale-data-dir": Exit.precondition,
  "state-unreadable": Exit.precondition,
  "systemd-missing": Exit.precondition,
  "sysusers-missing": Exit.precondition,
  "unit-dir-is-symlink": Exit.precondition,
  "unsupported-arch": Exit.precondition,
  "unsupported-downgrade-path": Exit.precondition,
  "unsupported-upgrade-path": Exit.precondition,
  "user-dir-unsafe": Exit.precondition,
  "user-home-missing": Exit.precondition,
  "version-change-needs-upgrade": Exit.precondition,
  "wal-dir-change": Exit.precondition,
} as const satisfies Record<string, ExitCode | readonly ExitCode[]>;

/** A registered error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The exit status the registry gives `C`: one, or for the few codes whose exit is the underlying failure's
 * (a rolled-back upgrade, a member change etcd refused), the list a site picks from (the first by default).
 */
export type ExitOf<C extends ErrorCode> = C extends ErrorCode ? OneOf<(typeof ERROR_CODES)[C]> : never;

/** An exit, or each exit of a list. */
type OneOf<T> = T extends readonly (infer E)[] ? E : T;

/** The codes the registry maps to `E`, e.g. `CodeWithExit<2>` for {@link usageError}. */
export type CodeWithExit<E extends ExitCode> = {
  [C in ErrorCode]: ExitOf<C> extends E ? C : never;
}[ErrorCode];

/** Fields of an {@link EtcdupError}. */
export interface ErrorInit<C extends ErrorCode = ErrorCode> {
  /** Stable identifier from {@link ERROR_CODES}, kebab-case, e.g. `checksum-mismatch`. */
  code: C;
  /** What is wrong, naming the offending input (flag, file, URL). */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** The registry's exit for the code (the type checker holds a site to it); may be left out. */
  exit?: ExitOf<C>;
  /** The underlying error, kept for `--json` and debugging. */
  cause?: unknown;
}

/** An error meant for the user: code, message, hint and exit status. */
export class EtcdupError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly hint?: string;
  readonly exit: ExitOf<C>;

  constructor(init: ErrorInit<C>) {
    super(init.message, { cause: init.cause });
    this.name = "EtcdupError";
    this.code = init.code;
    this.hint = init.hint;
    const registered: ExitCode | readonly ExitCode[] = ERROR_CODES[init.code];
    this.exit = (init.exit ?? (typeof registered === "number" ? registered : registered[0])) as ExitOf<C>;
  }

  /** A plain object for `--json` output. */
  toJSON(): { code: string; message: string; hint?: string; exit: number } {
    return { code: this.code, message: this.message, hint: this.hint, exit: this.exit };
  }
}

/** Shorthand for a usage error (exit 2), e.g. a bad flag value. */
export function usageError(
  code: CodeWithExit<typeof Exit.usage>,
  message: string,
  hint?: string,
): EtcdupError {
  return new EtcdupError({ code, message, hint, exit: Exit.usage });
}

/** Shorthand for a verification error (exit 3), e.g. a checksum mismatch. */
export function verificationError(
  code: CodeWithExit<typeof Exit.verification>,
  message: string,
  hint?: string,
): EtcdupError {
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
