/**
 * Builds etcd-release-shaped tarballs for tests, honest or hostile: tar-stream pack + node:zlib, entries
 * described as data. Binaries are tiny ELF stubs; the amd64 stub is a real static executable that prints
 * `etcd Version: X` so the version check runs without a real etcd.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { sha256Hex } from "../../lib/hash.ts";
import { topFolderName as topFolder } from "../../lib/release/file_name.ts";
// @ts-types="@types/tar-stream"
import * as tar from "tar-stream";

/** One tar entry: a header plus content (regular files only). */
export interface TarEntry {
  name: string;
  type?: tar.Headers["type"];
  data?: Uint8Array;
  linkname?: string;
  mode?: number;
}

/** Packs entries into a tar and gzips it. */
export async function packTarGz(entries: TarEntry[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const data = type === "file" ? e.data ?? new Uint8Array() : undefined;
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: e.name,
          type,
          linkname: e.linkname,
          mode: e.mode ?? (type === "directory" ? 0o755 : 0o755),
          size: data?.length ?? 0,
        },
        data ? Buffer.from(data) : undefined,
        (err) => (err ? reject(err) : resolve()),
      )
    );
  }
  pack.finalize();
  await done;
  return new Uint8Array(zlib.gzipSync(Buffer.concat(chunks)));
}

function u16(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
function u32(n: number): number[] {
  return [...u16(n & 0xffff), ...u16(n >>> 16)];
}
function u64(n: number): number[] {
  return [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];
}

/**
 * A minimal static ELF64 executable for `arch`. For amd64 it runs and prints `message` to stdout; for arm64
 * it only has a valid header and body (never run on this host).
 */
export function elfStub(arch: "amd64" | "arm64", message = ""): Uint8Array {
  const msg = [...new TextEncoder().encode(message)];
  const base = 0x400000;
  const codeOff = 64 + 56;
  // mov eax,1; mov edi,1; lea rsi,[rip+16]; mov edx,len; syscall; mov eax,60; xor edi,edi; syscall; msg
  const code = [
    0xb8,
    ...u32(1),
    0xbf,
    ...u32(1),
    0x48,
    0x8d,
    0x35,
    ...u32(16),
    0xba,
    ...u32(msg.length),
    0x0f,
    0x05,
    0xb8,
    ...u32(60),
    0x31,
    0xff,
    0x0f,
    0x05,
    ...msg,
  ];
  const total = codeOff + code.length;
  const ident = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const ehdr = [
    ...ident,
    ...u16(2),
    ...u16(arch === "amd64" ? 62 : 183),
    ...u32(1),
    ...u64(base + codeOff),
    ...u64(64),
    ...u64(0),
    ...u32(0),
    ...u16(64),
    ...u16(56),
    ...u16(1),
    ...u16(0),
    ...u16(0),
    ...u16(0),
  ];
  const phdr = [
    ...u32(1),
    ...u32(5),
    ...u64(0),
    ...u64(base),
    ...u64(base),
    ...u64(total),
    ...u64(total),
    ...u64(0x1000),
  ];
  return new Uint8Array([...ehdr, ...phdr, ...code]);
}

/**
 * The entries of an honest release in the official layout: top folder, README, Documentation/, and the
 * three binaries as ELF stubs printing `etcd Version: X.Y.Z` (version without the v).
 */
export function releaseEntries(version: string, arch: "amd64" | "arm64"): TarEntry[] {
  const top = topFolder(version, arch);
  const say = (tool: string) =>
    elfStub(arch, `${tool} Version: ${version.replace(/^v/, "")}\nGit SHA: test\n`);
  return [
    { name: `${top}/`, type: "directory" },
    { name: `${top}/Documentation/`, type: "directory" },
    { name: `${top}/Documentation/README.md`, data: new TextEncoder().encode("# docs\n"), mode: 0o644 },
    { name: `${top}/README.md`, data: new TextEncoder().encode("# etcd\n"), mode: 0o644 },
    { name: `${top}/etcd`, data: say("etcd") },
    { name: `${top}/etcdctl`, data: say("etcdctl") },
    { name: `${top}/etcdutl`, data: say("etcdutl") },
  ];
}

/**
 * Writes a tarball (entries default to an honest release) as `dir/etcd-{version}-linux-{arch}.tar.gz`;
 * returns its path and digest. `mutate` may alter the gzipped bytes (truncate, append garbage).
 */
export async function writeRelease(
  dir: string,
  version: string,
  arch: "amd64" | "arm64",
  opts: { entries?: TarEntry[]; mutate?: (gz: Uint8Array) => Uint8Array } = {},
): Promise<{ path: string; name: string; sha256: string; bytes: Uint8Array }> {
  const gz = await packTarGz(opts.entries ?? releaseEntries(version, arch));
  const bytes = opts.mutate ? opts.mutate(gz) : gz;
  const name = `${topFolder(version, arch)}.tar.gz`;
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { path: file, name, sha256: sha256Hex(bytes), bytes };
}

/** Fields of a hand-made tar header block; each raw field overrides what would be encoded honestly. */
export interface RawHeader {
  name: string;
  /** Type flag character: "0" file (default), "5" directory, "x" PAX, "g" global PAX, "L" GNU long name. */
  type?: string;
  /** The size: a number (octal), or the raw 12-byte field (garbage, base-256). */
  size?: number | string | Uint8Array;
  /** "bad" for a wrong checksum, or the raw 8-byte field; computed otherwise. */
  checksum?: "bad" | string;
  /** The 6-byte magic (default "ustar\0"). */
  magic?: string;
  /** The raw 12-byte mtime field. */
  mtime?: string;
}

const latin1 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));

/** One raw 512-byte ustar header block. */
export function rawHeader(h: RawHeader): Uint8Array {
  const b = new Uint8Array(512);
  const put = (off: number, v: string | Uint8Array) => b.set(typeof v === "string" ? latin1(v) : v, off);
  put(0, h.name.slice(0, 100));
  put(100, "0000755\0");
  put(108, "0000000\0");
  put(116, "0000000\0");
  const size = h.size ?? 0;
  put(124, typeof size === "number" ? size.toString(8).padStart(11, "0") + "\0" : size);
  put(136, h.mtime ?? "14500000000\0");
  put(156, h.type ?? "0");
  put(257, h.magic ?? "ustar\0");
  put(263, "00");
  if (h.checksum !== undefined && h.checksum !== "bad") put(148, h.checksum);
  else {
    put(148, "        ");
    const sum = b.reduce((a, x) => a + x, 0) + (h.checksum === "bad" ? 1 : 0);
    put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  }
  return b;
}

/** A header and its content padded to whole blocks (`size` defaults to the content's length). */
export function rawEntry(h: RawHeader, data: Uint8Array = new Uint8Array()): Uint8Array[] {
  const pad = new Uint8Array((512 - (data.length % 512)) % 512);
  return [rawHeader({ size: data.length, ...h }), data, pad];
}

/** A PAX header (`x`, or `g` when `global`) holding `records` verbatim. */
export function paxEntry(records: string, global = false): Uint8Array[] {
  return rawEntry({ name: "PaxHeaders/x", type: global ? "g" : "x" }, new TextEncoder().encode(records));
}

/** The end-of-archive marker: two zero blocks. */
export const END_OF_ARCHIVE = new Uint8Array(1024);

/** The entries of {@link releaseEntries} as raw blocks (no end marker), for hand-made archives. */
export function rawRelease(version: string, arch: "amd64" | "arm64"): Uint8Array[] {
  return releaseEntries(version, arch).flatMap((e) =>
    rawEntry({ name: e.name, type: e.type === "directory" ? "5" : "0" }, e.data ?? new Uint8Array())
  );
}

/** Concatenates raw blocks and gzips them. */
export function gzipBlocks(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(zlib.gzipSync(Buffer.concat(parts)));
}
