/**
 * Owners and modes of PKI files, and planning a file already on disk: kept as is, or only its owner and
 * mode fixed.
 */
import type { HostRoot } from "../host/fs.ts";
import type { PlannedFile } from "./plan.ts";

/** Owner/mode of certificates (0644 root). */
export const CERT_OWNER = { uid: 0, gid: 0, mode: 0o644 };

/** Owner/mode of keys only root reads (CA, admin and client keys). */
export const ROOT_KEY_OWNER = { uid: 0, gid: 0, mode: 0o600 };

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
