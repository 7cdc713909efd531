/**
 * The one "run as root" error of every command, and the mapping of a permission error (EACCES/EPERM, e.g.
 * reading etcdup's root-only state record or keys as another user) onto it. Light on purpose: main.ts
 * applies it to every command, before any command module is loaded.
 */
import { EtcdupError, notRoot } from "../errors.ts";

/** The errno code of `err` or of the error it wraps (EtcdupError keeps the underlying one as `cause`). */
function errnoOf(err: unknown): { code?: string; path?: string } | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || e instanceof Deno.errors.PermissionDenied) {
      return { code: code ?? "EACCES", path: (e as NodeJS.ErrnoException).path };
    }
  }
  return undefined;
}

/**
 * A permission error anywhere in a command as the precondition error it is (exit 7, "run as root") rather
 * than an internal one; undefined for any other error.
 * @example permissionError(Object.assign(new Error("denied"), { code: "EACCES" }), "status")?.exit // 7
 */
export function permissionError(err: unknown, command: string): EtcdupError | undefined {
  const errno = errnoOf(err);
  if (errno === undefined || (err instanceof EtcdupError && err.code === "not-root")) return undefined;
  const what = errno.path ? `${errno.path}: ${errno.code}` : errno.code;
  return notRoot(
    command,
    `permission denied: ${what}; etcdup's state record, keys and data are root-only`,
    "Run it as root (sudo). Without root, 'etcdup install --dry-run' shows a plan for a host etcdup has not " +
      "installed on yet, and 'etcdup --help' the commands.",
  );
}
