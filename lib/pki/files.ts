/**
 * Owners and modes of PKI files (owners by name, and the ids a name stands for when written), and planning a
 * file already on disk from what was observed of it: its content (refused when it is a symlink or has other
 * hard links), kept as is, or only its owner and mode fixed.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { EtcdIds, FileOwner, ObservedFile, ObservedPki, PlannedFile } from "./types.ts";

/** Owner/mode of certificates (0644 root). */
export const CERT_OWNER = { owner: "root", mode: 0o644 } as const;

/** Owner/mode of keys only root reads (CA, admin and client keys). */
export const ROOT_KEY_OWNER = { owner: "root", mode: 0o600 } as const;

/** Owner/mode of keys etcd reads (server and peer). */
export const ETCD_KEY_OWNER = { owner: "etcd", mode: 0o600 } as const;

/**
 * The ids of `owner`: root is 0:0, etcd the account's `etcd` ids (a plan owning a file by etcd is written
 * only once the account exists: without its ids that is a bug).
 */
export function ownerIds(owner: FileOwner, etcd: EtcdIds | undefined): { uid: number; gid: number } {
  if (owner === "root") return { uid: 0, gid: 0 };
  if (owner !== "etcd") return owner;
  if (!etcd) throw new Error("internal: a PKI file owned by etcd is written without the etcd account's ids");
  return etcd;
}

/** What was observed at `path`; a path the observer was not asked for is a bug, never "missing". */
export function observedAt(observed: ObservedPki, path: string): ObservedFile {
  const f = observed.files[path];
  if (f === undefined) throw new Error(`internal: ${path} was not observed before planning`);
  return f;
}

/**
 * The text of a key or certificate etcdup manages, or undefined when it does not exist. A symlink
 * (`pki-file-is-symlink`) or a file with other hard links (`pki-file-hard-linked`) is refused (exit 7):
 * setting the owner and mode of such a file would change another file, and a key must have one name only.
 */
export function pkiText(f: ObservedFile): string | undefined {
  if (f.missing) return undefined;
  if (f.isSymlink) {
    throw new EtcdupError({
      code: "pki-file-is-symlink",
      message:
        `${f.where} is a symbolic link; etcdup manages its keys and certificates only as regular files`,
      hint:
        `Replace the link by a copy of the file it points to (or remove it to have it issued anew), then re-run.`,
      exit: Exit.precondition,
    });
  }
  if (f.isFile && f.links > 1) {
    throw new EtcdupError({
      code: "pki-file-hard-linked",
      message:
        `${f.where} has ${f.links} hard links; etcdup will not change the owner and mode of a file that has ` +
        "other names",
      hint: "Replace it by a copy of itself (cp FILE FILE.new && mv FILE.new FILE), then re-run.",
      exit: Exit.precondition,
    });
  }
  if (f.refused) throw f.refused;
  return f.text;
}

/** {@link pkiText} of the file observed at `path`. */
export function readPkiFile(observed: ObservedPki, path: string): string | undefined {
  return pkiText(observedAt(observed, path));
}

/** Whether the observed file `f` is owned by `owner`. */
export function ownedBy(f: ObservedFile, owner: FileOwner): boolean {
  if (f.missing) return false;
  return typeof owner === "string" ? f.names.includes(owner) : f.uid === owner.uid && f.gid === owner.gid;
}

/** The owner of an observed file: root or etcd by name, anyone else by ids. */
export function ownerOf(f: ObservedFile & { missing: false }): FileOwner {
  return f.names[0] ?? { uid: f.uid, gid: f.gid };
}

/** "root:root", "etcd:etcd" or "1000:1000": the owner as the file lists show it. */
export function ownerLabel(owner: FileOwner): string {
  return typeof owner === "string" ? `${owner}:${owner}` : `${owner.uid}:${owner.gid}`;
}

/** An existing file planned with the wanted owner and mode: "keep" when they are right, else "fix-owner". */
export function keptFile(
  observed: ObservedPki,
  path: string,
  content: string,
  own: { owner: FileOwner; mode: number },
  role: string,
): PlannedFile {
  const f = observedAt(observed, path);
  const same = !f.missing && ownedBy(f, own.owner) && f.mode === own.mode;
  return { path, content, ...own, role, action: same ? "keep" : "fix-owner" };
}
