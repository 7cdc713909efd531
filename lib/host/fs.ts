/**
 * Files under a root: every write is atomic (temp file beside the target, owner and mode set before any
 * byte is written, fsync, rename, fsync of the directory), so a reader or a crash never sees a partial
 * file and a private key is never world-readable, even for an instant. `root` is "/" on a live host and
 * the `--root` prefix otherwise; paths given to these functions are always the target's absolute paths,
 * resolved inside the root like a chroot would (see {@link HostRoot}).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { randomBytes } from "node:crypto";
import { EtcdupError, Exit, usageError } from "../errors.ts";

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
  /** Whether the path itself is a symbolic link. */
  isSymlink: boolean;
  /** Number of hard links to the file. */
  links: number;
  size: number;
  /**
   * What changes when the entry does (inode, size, owner, mode, modification and change times), compared to
   * tell that a file observed earlier was replaced, rewritten or chowned since (lib/pki/write.ts).
   */
  stamp: string;
}

/** Most symlinks one path may go through before resolving it fails (Linux's own limit, MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

/** Name pattern of etcdup's temp files (`.<name>.etcdup-<pid>-<hex>.tmp`; older runs wrote no pid). */
const TEMP_NAME = /^\..+\.etcdup-(?:(\d+)-)?[0-9a-f]+\.tmp$/;

/** Whether process `pid` runs on this machine (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The errno code of a failed call, if any. */
function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * A filesystem tree rooted at `root` ("/" for the live host). Every target path is resolved the way a
 * chroot into `root` would resolve it: component by component with lstat/readlink, a symlink followed
 * inside the tree (an absolute target is taken relative to `root`, `..` never climbs above it), so nothing
 * under `--root` can lead a read or a write onto the host. Writes never go through a final symlink: an
 * atomic write replaces the link itself, and owner/mode are only set on what a file descriptor opened with
 * O_NOFOLLOW names (a symlinked directory is followed inside the tree; a symlinked file is refused).
 */
export class HostRoot {
  readonly root: string;

  /**
   * A `root` other than "/" that is the live host's `/` all the same (a symbolic link to it, `/proc/1/root`,
   * a bind mount) is refused (`root-is-live-host`, exit 2): as a tree it would get the image treatment (no
   * service manager, no root check, accounts from a scratch copy) while every write lands on the host.
   */
  constructor(root = "/") {
    this.root = path.resolve(root);
    if (this.root !== "/" && sameFile(this.root, "/")) {
      throw usageError(
        "root-is-live-host",
        `--root ${this.root} is this host's / (through a symbolic link or a mount): --root is for a tree that is not the running system`,
        "To work on this host, leave --root (and ETCDUP_ROOT) unset; for an image, give its own directory.",
      );
    }
  }

  /** Whether this is the live host (root "/"). */
  get isLive(): boolean {
    return this.root === "/";
  }

  /**
   * The real path of the target path `p` (absolute), every symlink followed inside the root, the last
   * one included. Components from the first missing one on are appended as they are (`..` still stops at
   * the root). Throws `path-symlink-loop` (exit 7) after {@link MAX_SYMLINKS} links.
   * @example new HostRoot("/mnt/img").resolve("/etc/x") // "/mnt/img/etc/x" (or where a link there leads, inside /mnt/img)
   */
  resolve(p: string): string {
    return this.walk(p, true);
  }

  /**
   * The target path `p` really leads to: {@link resolve}d, seen from inside the root (the same as `p` when
   * no symlink is on its way). What a directory check must look at, not the name given.
   * @example new HostRoot("/mnt/img").target("/srv/bk") // "/etc" when /mnt/img/srv/bk links to /etc
   */
  target(p: string): string {
    const real = this.resolve(p);
    return this.isLive ? real : path.posix.join("/", path.relative(this.root, real));
  }

  /**
   * The real path of `p`'s parent (resolved as {@link resolve} does) joined with `p`'s last name: the
   * entry itself, a symlink not followed. What stat, write, remove and rename act on.
   */
  resolveEntry(p: string): string {
    return this.walk(p, false);
  }

  /** Resolves `p` inside the root; `followLast` tells whether a final symlink is followed too. */
  private walk(p: string, followLast: boolean): string {
    if (!path.isAbsolute(p)) throw new Error(`internal: host path must be absolute: ${p}`);
    const todo = p.split("/").filter((c) => c !== "" && c !== ".");
    let real = this.root;
    let links = 0;
    /** The first path found missing (or below a non-directory); what follows it is appended as is. */
    let missing: string | undefined;
    while (todo.length > 0) {
      const name = todo.shift()!;
      if (name === "..") {
        if (real !== this.root) real = path.dirname(real);
        // back above the missing name: the rest is resolved again (`/nope/../etc/link` follows the link)
        if (missing !== undefined && !`${real}/`.startsWith(`${missing}/`)) missing = undefined;
        continue;
      }
      const next = path.join(real, name);
      if (missing !== undefined) {
        real = next;
        continue;
      }
      let st: fs.Stats;
      try {
        st = fs.lstatSync(next);
      } catch (err) {
        if (errno(err) !== "ENOENT" && errno(err) !== "ENOTDIR") throw err;
        missing = real = next;
        continue;
      }
      if (st.isSymbolicLink() && (todo.length > 0 || followLast)) {
        if (++links > MAX_SYMLINKS) throw symlinkLoop(p, this.root);
        const target = fs.readlinkSync(next);
        if (target.startsWith("/")) real = this.root;
        todo.unshift(...target.split("/").filter((c) => c !== "" && c !== "."));
        continue;
      }
      real = next;
      if (!st.isDirectory() && todo.length > 0) missing = next;
    }
    return real;
  }

  /**
   * Reads a file (a final symlink followed inside the root), or returns undefined when it does not exist.
   * Anything but a regular file (a FIFO that would block, a device, a directory) is `not-a-regular-file`.
   */
  read(p: string): Uint8Array | undefined {
    let fd: number;
    const real = this.resolve(p);
    try {
      fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      if (errno(err) === "ENOENT") return undefined;
      throw err;
    }
    try {
      if (!fs.fstatSync(fd).isFile()) {
        throw new EtcdupError({
          code: "not-a-regular-file",
          message: `${real} is not a regular file (etcdup reads ${p} as one)`,
          hint: "Move it aside and re-run.",
          exit: Exit.precondition,
        });
      }
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Reads a UTF-8 text file, or returns undefined when it does not exist. */
  readText(p: string): string | undefined {
    const data = this.read(p);
    return data === undefined ? undefined : new TextDecoder().decode(data);
  }

  /**
   * Whether `p` exists once resolved (a final symlink followed inside the root): false for a dangling
   * link, which {@link ensureDir} then creates inside the root.
   */
  exists(p: string): boolean {
    return fs.existsSync(this.resolve(p));
  }

  /** Stats a path without following a final symlink, or returns undefined when missing. */
  stat(p: string): FileState | undefined {
    try {
      return fileState(fs.lstatSync(this.resolveEntry(p)));
    } catch (err) {
      if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") return undefined;
      throw err;
    }
  }

  /**
   * Creates directory `p` and any missing parents (inside the root, a symlinked directory followed there).
   * Parents get root:root 0755; `p` itself gets `own` (and is corrected when it exists with another owner
   * or mode).
   */
  ensureDir(p: string, own: Ownership): void {
    // A --root that does not exist yet is made, as before the chroot-like resolution: it is the operator's.
    if (!fs.existsSync(this.root)) fs.mkdirSync(this.root, { recursive: true, mode: 0o755 });
    const real = this.resolve(p);
    const missing: string[] = [];
    for (let d = real; d !== this.root && !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      try {
        fs.mkdirSync(d, { mode: 0o700 });
      } catch (err) {
        if (errno(err) !== "EEXIST") throw err;
      }
      if (d !== real) ownReal(d, { uid: 0, gid: 0, mode: 0o755 }, d);
    }
    if (!fs.lstatSync(real).isDirectory()) {
      throw new EtcdupError({
        code: "not-a-directory",
        message: `${real} is not a directory (etcdup needs ${p} to be one)`,
        hint: "Move the file aside and re-run.",
        exit: Exit.precondition,
      });
    }
    ownReal(real, own, p);
  }

  /**
   * Sets owner and mode of an existing path when they differ; returns whether anything changed. A symlink
   * to a directory is followed inside the root; a symlink to anything else is refused (`path-is-symlink`,
   * exit 7), so a link can never make etcdup chown or chmod another file.
   */
  setOwnership(p: string, own: Ownership): boolean {
    const entry = this.resolveEntry(p);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(entry);
    } catch (err) {
      if (errno(err) === "ENOENT") throw new Error(`internal: cannot set ownership of missing ${p}`);
      throw err;
    }
    if (!st.isSymbolicLink()) return ownReal(entry, own, p);
    const real = this.resolve(p);
    if (fs.existsSync(real) && fs.statSync(real).isDirectory()) return ownReal(real, own, p);
    throw new EtcdupError({
      code: "path-is-symlink",
      message:
        `${entry} is a symbolic link (to ${fs.readlinkSync(entry)}): etcdup does not change the owner ` +
        "or mode of a file through a link",
      hint: `Replace ${entry} by the file itself (or remove it so etcdup writes it) and re-run.`,
      exit: Exit.precondition,
    });
  }

  /**
   * Writes `content` to `p` atomically with the given owner and mode. The temp file is created 0600 beside
   * the target (in the real parent directory), chowned and chmodded before any content is written,
   * fsynced, renamed over `p` (replacing a symlink there, never writing through it), and the directory is
   * fsynced. The parent directory must exist.
   */
  writeAtomic(p: string, content: Uint8Array | string, own: Ownership): void {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    this.replaceAtomic(p, own, (fd) => writeAll(fd, bytes));
  }

  /**
   * Copies the regular file at the real path `source` (resolve a target path first) to `p` atomically, as
   * {@link writeAtomic} writes, in 1 MiB chunks through one buffer: the files copied are etcd's binaries and
   * etcdup's own executable, and reading one whole costs its size in resident memory (issue 17). A symlink
   * at `source` is refused, not followed.
   */
  copyAtomic(source: string, p: string, own: Ownership): void {
    const src = fs.openSync(
      source,
      fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
    );
    try {
      if (!fs.fstatSync(src).isFile()) {
        throw new EtcdupError({
          code: "not-a-regular-file",
          message: `${source} is not a regular file (etcdup copies it to ${p})`,
          hint: "Move it aside and re-run.",
          exit: Exit.precondition,
        });
      }
      this.replaceAtomic(p, own, (fd) => {
        const buf = new Uint8Array(COPY_CHUNK);
        for (let n; (n = fs.readSync(src, buf, 0, buf.length, null)) > 0;) writeAll(fd, buf.subarray(0, n));
      });
    } finally {
      fs.closeSync(src);
    }
  }

  /** The atomic replace behind every write: temp 0600, owner and mode, `fill`, fsync, rename, dir fsync. */
  private replaceAtomic(p: string, own: Ownership, fill: (fd: number) => void): void {
    const real = this.resolveEntry(p);
    const tmp = path.join(
      path.dirname(real),
      `.${path.basename(real)}.etcdup-${Deno.pid}-${randomBytes(6).toString("hex")}.tmp`,
    );
    const fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o600,
    );
    try {
      fs.fchownSync(fd, own.uid, own.gid);
      fs.fchmodSync(fd, own.mode);
      fill(fd);
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

  /** Removes a file (a symlink itself, never its target) if present; returns whether it existed. */
  remove(p: string): boolean {
    const existed = this.stat(p) !== undefined;
    fs.rmSync(this.resolveEntry(p), { force: true });
    return existed;
  }

  /**
   * The temp files killed runs of etcdup left in directory `dir` (`.<name>.etcdup-<pid>-<hex>.tmp` regular
   * files of a process that no longer runs), as target paths; only those of target `name` when given.
   */
  orphanTemps(dir: string, name?: string): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.resolve(dir));
    } catch {
      return [];
    }
    return names.filter((n) => {
      const m = TEMP_NAME.exec(n);
      if (!m || (name !== undefined && !n.startsWith(`.${name}.etcdup-`))) return false;
      if (m[1] !== undefined && (Number(m[1]) === Deno.pid || processAlive(Number(m[1])))) return false;
      return this.stat(path.posix.join(dir, n))?.isFile === true;
    }).map((n) => path.posix.join(dir, n));
  }

  /** Removes the {@link orphanTemps} of `dir` (some hold private keys); returns the target paths removed. */
  removeOrphanTemps(dir: string): string[] {
    const found = this.orphanTemps(dir);
    for (const p of found) this.remove(p);
    return found;
  }
}

/** Whether paths `a` and `b` are the same file (device and inode, links followed); false when one is missing. */
function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The error for a path that goes through too many symlinks (a loop). */
function symlinkLoop(p: string, root: string): EtcdupError {
  return new EtcdupError({
    code: "path-symlink-loop",
    message: `${p}${root === "/" ? "" : ` under --root ${root}`} goes through more than ${MAX_SYMLINKS} ` +
      "symbolic links (a loop?)",
    hint: "Fix the symbolic links on that path and re-run.",
    exit: Exit.precondition,
  });
}

/** What an lstat says, as a {@link FileState}. */
function fileState(st: fs.Stats): FileState {
  return {
    uid: st.uid,
    gid: st.gid,
    mode: st.mode & 0o7777,
    isFile: st.isFile(),
    isDirectory: st.isDirectory(),
    isSymlink: st.isSymbolicLink(),
    links: st.nlink,
    size: st.size,
    stamp: [st.ino, st.size, st.uid, st.gid, st.mode, st.mtimeMs, st.ctimeMs].join(":"),
  };
}

/**
 * Sets owner and mode of the real path `real` through a descriptor opened with O_NOFOLLOW (a symlink
 * swapped in meanwhile fails instead of being followed); `p` names it in errors. A file with other hard
 * links is refused (`path-hard-linked`, exit 7) rather than changed under all its names. Returns whether
 * anything changed.
 */
function ownReal(real: string, own: Ownership, p: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (errno(err) !== "ELOOP") throw err;
    throw new EtcdupError({
      code: "path-is-symlink",
      message: `${real} became a symbolic link while etcdup set the owner and mode of ${p}`,
      hint: "Something else changes this tree while etcdup runs; stop it and re-run.",
      exit: Exit.precondition,
    });
  }
  try {
    const st = fs.fstatSync(fd);
    const wrong = st.uid !== own.uid || st.gid !== own.gid || (st.mode & 0o7777) !== own.mode;
    if (wrong && st.isFile() && st.nlink > 1) {
      throw new EtcdupError({
        code: "path-hard-linked",
        message:
          `${real} has ${st.nlink} hard links: setting the owner and mode of ${p} would change its other ` +
          "names too",
        hint: "Replace it by a copy of itself (cp FILE FILE.new && mv FILE.new FILE), then re-run.",
        exit: Exit.precondition,
      });
    }
    let changed = false;
    if (st.uid !== own.uid || st.gid !== own.gid) {
      fs.fchownSync(fd, own.uid, own.gid);
      changed = true;
    }
    if ((st.mode & 0o7777) !== own.mode) {
      fs.fchmodSync(fd, own.mode);
      changed = true;
    }
    return changed;
  } finally {
    fs.closeSync(fd);
  }
}

/** Chunk size of {@link HostRoot.copyAtomic}. */
const COPY_CHUNK = 1024 * 1024;

/** Writes all of `bytes` to `fd` (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
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
