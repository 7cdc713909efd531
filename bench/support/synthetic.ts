/**
 * A synthetic release tarball N times the size of a real one: the real release's files plus incompressible
 * padding files under `Documentation/`, so the compressed size (what is downloaded and hashed) grows by N
 * while the binaries stay the same. Peak RSS measured on it shows whether extraction streams.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { execOk } from "../../tests/support/exec.ts";

/** A tarball on disk with its digest. */
export interface Tarball {
  /** Real path; the file name is the official `etcd-vX.Y.Z-linux-amd64.tar.gz`. */
  path: string;
  sha256: string;
  bytes: number;
}

/** Hex SHA-256 of a file, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/**
 * Writes `<outDir>/<same name as source>` holding the source release plus padding that makes it about
 * `factor` times as large (compressed). Reused when already built for the same source and factor.
 */
export async function paddedTarball(source: string, factor: number, outDir: string): Promise<Tarball> {
  const out = path.join(outDir, path.basename(source));
  const stamp = `${out}.json`;
  const sourceBytes = fs.statSync(source).size;
  const key = `${sourceBytes}:${factor}`;
  if (fs.existsSync(stamp) && fs.existsSync(out) && JSON.parse(fs.readFileSync(stamp, "utf8")).key === key) {
    return {
      path: out,
      sha256: JSON.parse(fs.readFileSync(stamp, "utf8")).sha256,
      bytes: fs.statSync(out).size,
    };
  }
  const stage = fs.mkdtempSync(path.join(outDir, "stage-"));
  try {
    await execOk(["tar", "-xzf", source, "-C", stage]);
    const top = fs.readdirSync(stage)[0];
    const docs = path.join(stage, top, "Documentation");
    fs.mkdirSync(docs, { recursive: true });
    const padding = Math.round(sourceBytes * (factor - 1));
    const chunk = 8 * 2 ** 20;
    for (let i = 0, left = padding; left > 0; i++, left -= chunk) {
      fs.writeFileSync(
        path.join(docs, `padding-${String(i).padStart(3, "0")}.bin`),
        randomBytes(Math.min(chunk, left)),
      );
    }
    await execOk(["tar", "--owner=0", "--group=0", "--numeric-owner", "-C", stage, "-czf", out, top]);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  const sha256 = await fileSha256(out);
  fs.writeFileSync(stamp, JSON.stringify({ key, sha256 }));
  return { path: out, sha256, bytes: fs.statSync(out).size };
}
