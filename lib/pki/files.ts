/**
 * Owners and modes of PKI files, and planning a file already on disk: kept as is, or only its owner and
 * mode fixed.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { PlannedFile } from "./plan.ts";

/** Owner/mode of certificates (0644 root). */
export const CERT_OWNER = { uid: 0, gid: 0, mode: 0o644 };

/** Owner/mode of keys only root reads (CA, admin and client keys). */
export const ROOT_KEY_OWNER = { uid: 0, gid: 0, mode: 0o600 };

/**
 * Reads a key or certificate etcdup manages, or undefined when it does not exist. A symlink
 * (`pki-file-is-symlink`) or a file with other hard links (`pki-file-hard-linked`) is refused (exit 7):
 * setting the owner and mode of such a file would change another file, and a key must have one name only.
 */
export function readPkiFile(host: HostRoot, path: string): string | undefined {
  const st = host.stat(path);
  if (st === undefined) return undefined;
  if (st.isSymlink) {
    throw new EtcdupError({
      code: "pki-file-is-symlink",
      message:
        `${host.resolveEntry(path)} is a symbolic link; etcdup manages its keys and certificates only as ` +
        "regular files",
      hint:
        `Replace the link by a copy of the file it points to (or remove it to have it issued anew), then re-run.`,
      exit: Exit.precondition,
    });
  }
  if (st.isFile && st.links > 1) {
    throw new EtcdupError({
      code: "pki-file-hard-linked",
      message:
        `${host.resolveEntry(path)} has ${st.links} hard links; etcdup will not change the owner and mode ` +
        "of a file that has other names",
      hint: "Replace it by a copy of itself (cp FILE FILE.new && mv FILE.new FILE), then re-run.",
      exit: Exit.precondition,
    });
  }
  return host.readText(path);
}

/** An existing file planned with the wanted owner and mode: "keep" when they are right, else "fix-owner". */
export function keptFile(
  host: HostRoot,
  path: string,
  content: string,
  own: { uid: number; gid: number; mode: number },
  role: string,
): PlannedFile {
  const st = host.stat(path);
  const same = st !== undefined && st.uid === own.uid && st.gid === own.gid && st.mode === own.mode;
  return { path, content, ...own, role, action: same ? "keep" : "fix-owner" };
}
