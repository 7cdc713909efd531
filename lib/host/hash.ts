/**
 * Hashing files without holding them: etcd's binaries are 20-30 MiB each and snapshots far more, and reading
 * one whole to hash it costs that much memory again (issue 17). Both read 1 MiB at a time: the synchronous one
 * for planning and recording, the asynchronous one to hash beside other work (a snapshot's digest is taken
 * while `snapshot status` reads it back).
 */
import * as fs from "node:fs";
import { createHash } from "node:crypto";

const CHUNK = 1024 * 1024;

/** Hex SHA-256 of the file at the real path `file`, read in 1 MiB chunks. */
export function sha256File(file: string): string {
  const hash = createHash("sha256");
  const buf = new Uint8Array(CHUNK);
  const fd = fs.openSync(file, "r");
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/**
 * {@link sha256File} without blocking, into one reused 1 MiB buffer: a read stream's fresh chunk per read
 * lives outside V8's heap, which V8 lets grow by up to 64 MiB before it collects (a backup of a 58 MiB
 * snapshot peaked at 118 MiB that way).
 */
export async function sha256FileAsync(file: string): Promise<string> {
  const hash = createHash("sha256");
  const buf = new Uint8Array(CHUNK);
  const fh = await fs.promises.open(file, "r");
  try {
    for (let n; (n = (await fh.read(buf, 0, CHUNK, null)).bytesRead) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    await fh.close();
  }
  return hash.digest("hex");
}
