/**
 * Observing the PKI: the one module of lib/pki/ that reads the host for planning. It gathers, before any
 * planning, every file the planners (plan.ts, ca.ts, leaf.ts, clients.ts, rotate.ts) look at into plain
 * data ({@link ObservedPki}): the CA certificate and key, each leaf's pair, the `*.crt` files of the PKI
 * directory and the keys beside them (client pairs, and what a stray CA key may have signed), the temp
 * files a killed run left beside `ca.key`, the rotation journal and the rotation's phase record; and the CA a command is given
 * (`--ca-from`, `--ca-cert`/`--ca-key`). The planners then decide from that data alone.
 */
import * as path from "node:path";
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { type CaSource, checkCaFlags, splitCaExport } from "./export.ts";
import { rotationJournalPath } from "./journal.ts";
import { CA_ROTATION_FILE } from "../state_record.ts";
import { type Layout, pkiPaths } from "./layout.ts";
import { leafProfiles } from "./profiles.ts";
import type { EtcdIds, ObservedFile, ObservedPki, OwnerName } from "./types.ts";

/** Where the PKI is (the fields of a PkiRequest that say so). */
export interface PkiPlace {
  layout: Layout;
  pkiDir: string;
  memberName: string;
}

/**
 * What is at `p` (a final symlink not followed). The content of a regular file is read (an unreadable one
 * fails here, as it would have while planning); a symlink's target only when it reads as a regular file.
 * Anything else (a directory, a FIFO) keeps the error {@link HostRoot.read} gives for it
 * (`not-a-regular-file`), which planning raises if it reads the file.
 */
export function observeFile(host: HostRoot, p: string, etcd?: EtcdIds): ObservedFile {
  const where = host.resolveEntry(p);
  const st = host.stat(p);
  if (st === undefined) return { missing: true, where };
  const names: OwnerName[] = [
    ...(st.uid === 0 && st.gid === 0 ? ["root" as const] : []),
    ...(etcd && st.uid === etcd.uid && st.gid === etcd.gid ? ["etcd" as const] : []),
  ];
  let text: string | undefined;
  let refused: Error | undefined;
  if (st.isFile) {
    text = host.readText(p);
  } else if (st.isSymlink) {
    try {
      text = host.readText(p);
    } catch { /* a link to nothing readable: planning refuses or skips the link itself */ }
  } else {
    try {
      host.read(p);
    } catch (err) {
      refused = err as Error;
    }
  }
  return {
    missing: false,
    where,
    isSymlink: st.isSymlink,
    isFile: st.isFile,
    links: st.links,
    uid: st.uid,
    gid: st.gid,
    mode: st.mode,
    stamp: st.stamp,
    names,
    ...(text === undefined ? {} : { text }),
    ...(refused === undefined ? {} : { refused }),
  };
}

/** The `*.crt` entries of directory `dir` (target paths, sorted), none when it does not exist. */
function certEntries(host: HostRoot, dir: string): string[] {
  let names: string[];
  try {
    names = [...Deno.readDirSync(host.resolve(dir))].map((e) => e.name).filter((n) => n.endsWith(".crt"));
  } catch {
    return [];
  }
  return names.sort().map((n) => path.posix.join(dir, n));
}

/**
 * Observes the PKI at `place` on `host` (see the module doc), plus the `extra` paths a command plans
 * (a client pair outside the PKI directory). `etcd` is the etcd account's ids when it exists.
 */
export function observePki(
  host: HostRoot,
  place: PkiPlace,
  opts: { etcd?: EtcdIds; extra?: string[] } = {},
): ObservedPki {
  const paths = pkiPaths(place.layout, place.pkiDir);
  const files: Record<string, ObservedFile> = {};
  const look = (p: string) => files[p] ??= observeFile(host, p, opts.etcd);
  look(paths.caCert);
  look(paths.caKey);
  for (const profile of leafProfiles(place.layout, paths, place.memberName)) {
    look(profile.certPath);
    look(profile.keyPath);
  }
  for (const p of opts.extra ?? []) look(p);
  const dirCerts = certEntries(host, paths.dir);
  for (const crt of dirCerts) {
    look(crt);
    look(crt.replace(/\.crt$/, ".key"));
  }
  const keyDir = path.posix.dirname(paths.caKey);
  const orphanCaKeys = host.orphanTemps(keyDir, path.posix.basename(paths.caKey))
    .map((p) => ({ path: p, text: host.readText(p)! }));
  const journal = host.readText(rotationJournalPath(paths));
  const rotation = host.readText(CA_ROTATION_FILE);
  return {
    files,
    dirCerts,
    orphanCaKeys,
    ...(journal === undefined ? {} : { journal }),
    ...(rotation === undefined ? {} : { rotation }),
  };
}

function readLocal(file: string, flag: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch (err) {
    throw new EtcdupError({
      code: "ca-unreadable",
      message: `${flag} ${file}: cannot read it (${(err as Error).message})`,
      hint: `Check the path given to ${flag}.`,
      exit: Exit.usage,
      cause: err,
    });
  }
}

/**
 * Reads the CA named by `--ca-from FILE` or `--ca-cert FILE` + `--ca-key FILE` (local paths, not under
 * --root), or returns undefined when none is given; conflicting flags are refused by {@link checkCaFlags}.
 * Content is checked later, when it is loaded.
 */
export function readCaFlags(
  flags: { caFrom?: string; caCert?: string; caKey?: string },
): CaSource | undefined {
  checkCaFlags(flags);
  if (flags.caFrom) return splitCaExport(readLocal(flags.caFrom, "--ca-from"), flags.caFrom);
  if (flags.caCert && flags.caKey) {
    return {
      certPem: readLocal(flags.caCert, "--ca-cert"),
      keyPem: readLocal(flags.caKey, "--ca-key"),
      source: `${flags.caCert} + ${flags.caKey}`,
    };
  }
  return undefined;
}
