/**
 * PKI files etcdup wrote without recording them in the state record: the backups of replaced certificates
 * and keys under `<pki dir>/backup/<time>/`, and client pairs (`NAME.crt` with `NAME.key`) in a PKI dir that
 * no record names (issued while etcdup had no state record there). `uninstall --purge` removes them with the
 * PKI, and lists them first; a plain uninstall lists them as kept. Pure: it decides from the files
 * lib/observe/uninstall.ts found.
 */
import * as path from "node:path";

/** What is in one PKI dir, as observed (target paths). */
export interface PkiDirFiles {
  dir: string;
  /** The regular files directly in the dir. */
  files: string[];
  /** Every file under its backup dir, recursively (symlinks listed, not followed). */
  backups: string[];
}

/**
 * Target paths of the unrecorded PKI files in `found` (see the module doc), sorted; `recorded` are the
 * paths the records already name.
 * @example pkiLeftovers([{ dir: "/p", files: ["/p/a.crt", "/p/a.key"], backups: [] }], {}) // both
 */
export function pkiLeftovers(found: PkiDirFiles[], recorded: Record<string, unknown>): string[] {
  const all = found.flatMap(({ dir, files, backups }) => {
    const names = new Set(files.map((f) => path.posix.basename(f)));
    const pairs = [...names].filter((n) => n.endsWith(".key") && names.has(`${n.slice(0, -4)}.crt`))
      .flatMap((key) => [key, `${key.slice(0, -4)}.crt`]).map((n) => path.posix.join(dir, n));
    return [...pairs, ...backups];
  });
  return [...new Set(all)].filter((p) => !(p in recorded)).sort();
}
