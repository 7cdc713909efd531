/**
 * PKI files etcdup wrote without recording them in the state record: the backups of replaced certificates
 * and keys under `<pki dir>/backup/<time>/`, and client pairs (`NAME.crt` with `NAME.key`) in a PKI dir that
 * no record names (issued while etcdup had no state record there). `uninstall --purge` removes them with the
 * PKI, and lists them first; a plain uninstall lists them as kept.
 */
import * as path from "node:path";
import type { HostRoot } from "../host/fs.ts";

/** The backup directory of a PKI dir (see lib/pki/write.ts). */
export function pkiBackupDir(pkiDir: string): string {
  return path.posix.join(pkiDir, "backup");
}

/** Names of the entries of target dir `dir` (none when it cannot be read). */
function entries(host: HostRoot, dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(host.resolve(dir))];
  } catch {
    return [];
  }
}

/** Every file under target dir `dir`, recursively (symlinks listed, not followed). */
function filesUnder(host: HostRoot, dir: string): string[] {
  return entries(host, dir).flatMap((e) => {
    const p = path.posix.join(dir, e.name);
    return e.isDirectory ? filesUnder(host, p) : [p];
  });
}

/**
 * Target paths of the unrecorded PKI files in `pkiDirs` (see the module doc), sorted; `recorded` are the
 * paths the records already name.
 */
export function pkiLeftovers(host: HostRoot, pkiDirs: string[], recorded: Record<string, unknown>): string[] {
  const found = pkiDirs.flatMap((dir) => {
    const names = new Set(entries(host, dir).filter((e) => e.isFile).map((e) => e.name));
    const pairs = [...names].filter((n) => n.endsWith(".key") && names.has(`${n.slice(0, -4)}.crt`))
      .flatMap((key) => [key, `${key.slice(0, -4)}.crt`]).map((n) => path.posix.join(dir, n));
    return [...pairs, ...filesUnder(host, pkiBackupDir(dir))];
  });
  return [...new Set(found)].filter((p) => !(p in recorded)).sort();
}
