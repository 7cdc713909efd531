/**
 * Download's observation: what is already in the output directory (its entries, the tarballs it would
 * write as they are, SHA256SUMS, staging dirs of dead runs) and the local source files the flags name (a
 * `--mirror-ca`, checked readable), read before anything is decided. lib/release/download_plan.ts decides
 * from it alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { currentFile } from "../host/file_writes.ts";
import type { HostRoot } from "../host/fs.ts";
import { staleStaging } from "../release/binaries.ts";
import type { DownloadObserved, DownloadRequest } from "../release/download_plan.ts";
import { readMirrorCa } from "../release/mirror_ca.ts";

/** Observes the host for the download `req` (a `--mirror-ca` that cannot be read is a usage error, exit 2). */
export function observeDownload(host: HostRoot, req: DownloadRequest): DownloadObserved {
  if (req.mirrorCa !== undefined) readMirrorCa(req.mirrorCa);
  let existing = req.dir;
  while (!host.stat(existing)) existing = path.dirname(existing);
  const there = existing === req.dir;
  const names = Object.values(req.names);
  return {
    existing,
    entries: there ? fs.readdirSync(host.resolve(req.dir)).sort() : [],
    files: Object.fromEntries(
      names.map((n) => [n, there ? currentFile(host, path.join(req.dir, n)) : undefined]),
    ),
    sums: there ? host.readText(path.join(req.dir, "SHA256SUMS")) : undefined,
    staleStaging: there ? staleStaging(host, req.dir) : [],
  };
}
