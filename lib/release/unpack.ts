/**
 * One streaming pass over a release tarball: every byte (from the network or a file) feeds the SHA-256,
 * gunzip and tar-stream together, and the three binaries are written into a private staging dir. Memory stays
 * flat. Entry guards refuse anything but regular files and directories under the single top folder
 * `etcd-{version}-linux-{arch}/`, and cap sizes per entry and in total, on declared and actual bytes. A
 * {@link TarFramer} walks the block structure ahead of tar-stream: tar-stream reads nothing past the
 * end-of-archive marker, and must see exactly the headers the framer found, so a malformed archive ends in
 * `bad-tar` rather than in a stalled stream. Entry names are shown with control characters escaped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { createHash } from "node:crypto";
// @ts-types="@types/tar-stream"
import * as tar from "tar-stream";
import { verificationError } from "../errors.ts";
import { writeAll } from "../host/fs.ts";
import { escapeControls } from "../text.ts";
import { TarFramer } from "./tar_frame.ts";
import { BINARIES, type BinaryName } from "./binary_names.ts";

/** Real paths of a release's binaries; etcdutl first shipped in 3.5 (official 3.0-3.4 tarballs lack it). */
export interface ReleaseFiles {
  etcd: string;
  etcdctl: string;
  etcdutl?: string;
}

/** Size caps against decompression bombs. */
export interface UnpackLimits {
  /** Largest single entry, declared or actual (bytes). */
  maxEntryBytes: number;
  /** Largest sum of all entries and of all decompressed bytes (bytes). */
  maxTotalBytes: number;
}

/** Real etcd binaries are ~25 MiB; these caps leave ample room and stop bombs early. */
export const DEFAULT_LIMITS: UnpackLimits = { maxEntryBytes: 256 * 1024 ** 2, maxTotalBytes: 1024 ** 3 };

/** Entries an archive may hold: a release has about twenty; millions of tiny ones would only fill memory. */
export const MAX_ENTRIES = 10_000;

/** What {@link unpackRelease} needs. */
export interface UnpackOptions {
  /** Existing private directory the binaries are written into (real path). */
  dir: string;
  /** The single top folder every entry must live under, e.g. `etcd-v3.6.6-linux-amd64`. */
  topFolder: string;
  /** The binaries that must be present (./binary_names.ts's requiredBinaries); others are staged when present. */
  required: readonly BinaryName[];
  /** Shown in errors, e.g. the tarball's file name. */
  label: string;
  limits?: UnpackLimits;
}

/** The result of a complete pass. */
export interface Unpacked {
  /** Lowercase hex SHA-256 of every byte read. */
  sha256: string;
  /** Bytes read (compressed). */
  bytes: number;
  /** Real paths of the written binaries. */
  files: ReleaseFiles;
}

/** The error of a corrupt or malformed tar stream (exit 3), `why` naming what is wrong. */
function badTar(label: string, why: string) {
  return verificationError(
    "bad-tar",
    `${label}: corrupt tar archive (${why})`,
    "The file is truncated or damaged; download it again. Nothing was installed.",
  );
}

/** How an accepted tar entry is handled. */
type EntryAction = { kind: "skip" } | { kind: "binary"; name: BinaryName };

/**
 * Decides what to do with one tar header, or throws a verification error naming the entry. `seen` holds the
 * normalized names of earlier entries (duplicates are refused).
 */
export function classifyEntry(
  header: tar.Headers,
  topFolder: string,
  seen: Set<string>,
  limits: UnpackLimits,
  label: string,
): EntryAction {
  const raw = header.name;
  const refuse = (why: string) =>
    verificationError(
      "unsafe-tarball",
      `${label}: entry '${escapeControls(raw)}' ${why}`,
      "This is not an official etcd release tarball (or it was tampered with); nothing was installed.",
    );
  if (raw.startsWith("/") || raw.includes("\0") || raw.includes("\\")) {
    throw refuse("has an absolute or invalid path");
  }
  const segments = raw.replace(/\/+$/, "").split("/");
  if (segments.some((s) => s === "..")) throw refuse("escapes the archive with '..'");
  if (segments.some((s) => s === "" || s === ".")) throw refuse("has an empty or '.' path segment");
  if (segments[0] !== topFolder) throw refuse(`is not under the release's top folder '${topFolder}/'`);
  const name = segments.join("/");
  if (seen.has(name)) throw refuse("appears twice in the archive");
  if (seen.size >= MAX_ENTRIES) throw refuse(`is one entry more than the ${MAX_ENTRIES} an archive may hold`);
  seen.add(name);
  switch (header.type) {
    case "directory":
      // tar-stream neither skips nor streams a directory's content: it would wait for it forever
      if ((header.size ?? 0) !== 0) {
        throw badTar(
          label,
          `directory entry '${escapeControls(raw)}' declares ${header.size} bytes of content`,
        );
      }
      return { kind: "skip" };
    case "file":
      break;
    case "symlink":
    case "link":
      throw refuse(
        `is a ${header.type === "link" ? "hard link" : "symlink"} (to '${
          escapeControls(header.linkname ?? "")
        }')`,
      );
    default:
      throw refuse(`is a ${header.type ?? "unknown"} entry, not a regular file`);
  }
  if (segments.length === 1) throw refuse("is a file where the top folder should be");
  const size = header.size ?? 0;
  if (size > limits.maxEntryBytes) {
    throw refuse(`declares ${size} bytes, more than the ${limits.maxEntryBytes}-byte cap`);
  }
  const base = segments[1] as BinaryName;
  return segments.length === 2 && BINARIES.includes(base) ? { kind: "binary", name: base } : { kind: "skip" };
}

/**
 * Reads `source` once: hashes it, gunzips it and unpacks the binaries into `opts.dir` (files 0700). Refuses
 * unsafe entries, oversized content, corrupt or truncated gzip, trailing data after the gzip stream and a
 * release missing a binary, each with a verification error. The digest is returned, not checked: the
 * caller compares it before anything leaves the staging dir.
 */
export async function unpackRelease(
  source: AsyncIterable<Uint8Array>,
  opts: UnpackOptions,
): Promise<Unpacked> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const hash = createHash("sha256");
  const gunzip = zlib.createGunzip();
  const extract = tar.extract();
  const seen = new Set<string>();
  const files: Partial<Record<BinaryName, string>> = {};
  let inBytes = 0;
  let outBytes = 0;
  let entryBytes = 0;
  let openFd: number | undefined;
  let failure: unknown;
  let rejectFailed!: (err: unknown) => void;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => {});

  const fail = (err: unknown) => {
    if (failure !== undefined) return;
    failure = err;
    rejectFailed(err);
    gunzip.destroy();
    extract.destroy();
  };
  const tooBig = (what: string) =>
    verificationError(
      "tarball-too-large",
      `${opts.label}: ${what} exceeds the size cap`,
      "Real etcd releases are far smaller; this looks like a decompression bomb. Nothing was installed.",
    );

  const finished = new Promise<void>((resolve) => extract.on("finish", () => resolve()));
  gunzip.on(
    "error",
    (err: Error) =>
      fail(
        verificationError(
          "bad-gzip",
          `${opts.label}: corrupt gzip stream (${err.message})`,
          "The file is truncated, damaged or followed by garbage; download it again. Nothing was installed.",
        ),
      ),
  );
  extract.on("error", (err: Error) => fail(badTar(opts.label, escapeControls(err.message))));
  const framer = new TarFramer();
  gunzip.on("data", (chunk: Uint8Array) => {
    if (failure !== undefined) return;
    outBytes += chunk.length;
    if (outBytes > limits.maxTotalBytes + 1024 * 1024) return fail(tooBig("the decompressed stream"));
    let tarBytes: Uint8Array;
    try {
      tarBytes = framer.feed(chunk);
    } catch (err) {
      return fail(badTar(opts.label, (err as Error).message));
    }
    if (tarBytes.length > 0 && !extract.write(tarBytes)) gunzip.pause();
  });
  extract.on("drain", () => gunzip.resume());
  gunzip.on("end", () => {
    if (failure !== undefined) return;
    try {
      framer.finish();
    } catch (err) {
      return fail(badTar(opts.label, (err as Error).message));
    }
    extract.end();
  });

  extract.on("entry", (header: tar.Headers, stream: NodeJS.ReadableStream, next: () => void) => {
    if (failure !== undefined) return;
    const framed = framer.takeEntry();
    const at = (header as { byteOffset?: number }).byteOffset ?? -1;
    if (framed === undefined || framed.offset !== at - 512 || framed.size !== header.size) {
      return fail(
        badTar(
          opts.label,
          `entry '${escapeControls(header.name)}' is not where its headers put it (PAX size records or a ` +
            "header that parses two ways are not accepted)",
        ),
      );
    }
    let action: EntryAction;
    try {
      action = classifyEntry(header, opts.topFolder, seen, limits, opts.label);
    } catch (err) {
      return fail(err);
    }
    let written = 0;
    if (action.kind === "binary") {
      const file = path.join(opts.dir, action.name);
      try {
        openFd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o700);
      } catch (err) {
        return fail(err); // thrown inside a stream event it would escape as an uncaught exception
      }
      files[action.name] = file;
    }
    stream.on("data", (chunk: Uint8Array) => {
      if (failure !== undefined) return;
      written += chunk.length;
      entryBytes += chunk.length;
      if (written > limits.maxEntryBytes) return fail(tooBig(`entry '${escapeControls(header.name)}'`));
      if (entryBytes > limits.maxTotalBytes) return fail(tooBig("the sum of all entries"));
      try {
        if (openFd !== undefined) writeAll(openFd, chunk);
      } catch (err) {
        fail(err); // a full disk, say
      }
    });
    stream.on("end", () => {
      if (failure !== undefined) return;
      try {
        if (openFd !== undefined) {
          fs.fsyncSync(openFd);
          fs.closeSync(openFd);
          openFd = undefined;
        }
      } catch (err) {
        return fail(err);
      }
      next();
    });
    stream.on("error", fail);
    stream.resume();
  });

  try {
    for await (const chunk of source) {
      if (failure !== undefined) break;
      hash.update(chunk);
      inBytes += chunk.length;
      if (inBytes > limits.maxTotalBytes) throw tooBig("the download");
      if (!gunzip.write(chunk)) await Promise.race([new Promise((r) => gunzip.once("drain", r)), failed]);
    }
    if (failure === undefined) gunzip.end();
    await Promise.race([finished, failed]);
    if (failure === undefined) {
      try {
        framer.checkAllTaken();
      } catch (err) {
        throw badTar(opts.label, (err as Error).message);
      }
    }
  } catch (err) {
    fail(err);
  } finally {
    if (openFd !== undefined) fs.closeSync(openFd);
  }
  if (failure !== undefined) throw failure;
  if (gunzip.bytesWritten !== inBytes) {
    throw verificationError(
      "trailing-garbage",
      `${opts.label}: ${inBytes - gunzip.bytesWritten} bytes of trailing data after the gzip stream`,
      "The file was altered or badly concatenated; download it again. Nothing was installed.",
    );
  }
  const missing = opts.required.filter((b) => !files[b]);
  if (missing.length > 0) {
    throw verificationError(
      "missing-binary",
      `${opts.label}: no ${missing.map((m) => `${opts.topFolder}/${m}`).join(", ")}`,
      "This is not a complete etcd release tarball; nothing was installed.",
    );
  }
  return { sha256: hash.digest("hex"), bytes: inBytes, files: files as ReleaseFiles };
}
