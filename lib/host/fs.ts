/**
 * Files under a root: every write is atomic (temp file beside the target, owner and mode set before any
 * byte is written, fsync, rename, fsync of the directory), so a reader or a crash never sees a partial
 * file and a private key is never world-readable, even for an instant. `root` is "/" on a live host and
 * the `--root` prefix otherwise; paths given to these functions are always the target's absolute paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";

/** Owner and mode of a file or directory. */
export interface Ownership {
  uid: number;
  gid: number;
  /** Permission bits, e.g. 0o600. */
  mode: number;
}

/** What is on disk at a path (or nothing). */
export interface FileState {
  uid: number;
  gid: number;
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
  size: number;
}

/** Hex SHA-256 of some bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A filesystem tree rooted at `root` ("/" for the live host). */
export class HostRoot {
  readonly root: string;

  constructor(root = "/") {
    this.root = path.resolve(root);
  }

  /** Whether this is the live host (root "/"). */
  get isLive(): boolean {
    return this.root === "/";
  }

  /** The real path of the target path `p` (which must be absolute). */
  resolve(p: string): string {
    if (!path.isAbsolute(p)) throw new Error(`internal: host path must be absolute: ${p}`);
    return this.isLive ? path.normalize(p) : path.join(this.root, p);
  }

  /** Reads a file, or returns undefined when it does not exist. */
  read(p: string): Uint8Array | undefined {
    try {
      return fs.readFileSync(this.resolve(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** Reads a UTF-8 text file, or returns undefined when it does not exist. */
  readText(p: string): string | undefined {
    const data = this.read(p);
    return data === undefined ? undefined : new TextDecoder().decode(data);
  }

  /** Stats a path without following a final symlink, or returns undefined when missing. */
  stat(p: string): FileState | undefined {
    try {
      const st = fs.lstatSync(this.resolve(p));
      return {
        uid: st.uid,
        gid: st.gid,
        mode: st.mode & 0o7777,
        isFile: st.isFile(),
        isDirectory: st.isDirectory(),
        size: st.size,
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /**
   * Creates directory `p` and any missing parents. Parents get root:root 0755; `p` itself gets `own`
   * (and is corrected when it exists with another owner or mode).
   */
  ensureDir(p: string, own: Ownership): void {
    const real = this.resolve(p);
    const parent = path.dirname(p);
    if (parent !== p && this.stat(parent) === undefined) {
      this.ensureDir(parent, { uid: 0, gid: 0, mode: 0o755 });
    }
    try {
      fs.mkdirSync(real, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    this.setOwnership(p, own);
  }

  /** Sets owner and mode of an existing path when they differ; returns whether anything changed. */
  setOwnership(p: string, own: Ownership): boolean {
    const st = this.stat(p);
    if (!st) throw new Error(`internal: cannot set ownership of missing ${p}`);
    const real = this.resolve(p);
    let changed = false;
    if (st.uid !== own.uid || st.gid !== own.gid) {
      fs.chownSync(real, own.uid, own.gid);
      changed = true;
    }
    if (st.mode !== own.mode) {
      fs.chmodSync(real, own.mode);
      changed = true;
    }
    return changed;
  }

  /**
   * Writes `content` to `p` atomically with the given owner and mode. The temp file is created 0600,
   * chowned and chmodded before any content is written, fsynced, renamed over `p`, and the directory is
   * fsynced. The parent directory must exist.
   */
  writeAtomic(p: string, content: Uint8Array | string, own: Ownership): void {
    const real = this.resolve(p);
    const tmp = path.join(
      path.dirname(real),
      `.${path.basename(real)}.etcdup-${randomBytes(6).toString("hex")}.tmp`,
    );
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.fchownSync(fd, own.uid, own.gid);
      fs.fchmodSync(fd, own.mode);
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, real);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    syncDir(path.dirname(real));
  }

  /** Removes a file if present; returns whether it existed. */
  remove(p: string): boolean {
    const existed = this.stat(p) !== undefined;
    fs.rmSync(this.resolve(p), { force: true });
    return existed;
  }
}

/** fsyncs a directory so a rename inside it is durable. */
export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
