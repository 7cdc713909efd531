/**
 * The etcd cluster version a snapshot file was written at, read from its bbolt database: the value of key
 * `clusterVersion` in bucket `cluster` (etcd 3.4 and 3.5 both keep it there, e.g. "3.5.0"). restore needs
 * it because etcd refuses to start an older minor on newer data, and neither `etcdctl snapshot status`
 * (3.4) nor `etcdutl snapshot status` (3.5) reports it; the record beside a snapshot may be missing or wrong.
 * No bbolt reader is published for JavaScript, so this reads the documented on-disk format (go.etcd.io/bbolt
 * page.go, node.go, db.go) for this one lookup, by random access (snapshots are large): the newer valid meta
 * page's root, branch pages searched by key, leaf elements, inline buckets. Anything unexpected: undefined.
 */
import * as fs from "node:fs";

const MAGIC = 0xed0cdaed;
const BRANCH = 0x01;
const LEAF = 0x02;
const BUCKET_LEAF = 0x01;
const PAGE_HEADER = 16;
/** More pages than any lookup of two keys needs: a corrupt file's cycle ends here. */
const MAX_STEPS = 64;

/** 64-bit FNV-1a, bbolt's meta checksum. */
function fnv64a(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

/** Reads `length` bytes at `offset` of the open file `fd` (fewer at its end). */
function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

/** The root page id and page size of the newest valid meta page, or undefined. */
function meta(fd: number): { root: number; pageSize: number } | undefined {
  let best: { root: number; pageSize: number; txid: bigint } | undefined;
  const first = readAt(fd, 0, 4096);
  if (first.length < 80 || first.readUInt32LE(16) !== MAGIC) return undefined;
  const pageSize = first.readUInt32LE(24);
  if (pageSize < 512 || pageSize > 1 << 16 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  for (const page of [first, readAt(fd, pageSize, 80)]) {
    if (page.length < 80 || page.readUInt32LE(16) !== MAGIC) continue;
    if (fnv64a(page.subarray(16, 72)) !== page.readBigUInt64LE(72)) continue;
    const txid = page.readBigUInt64LE(64);
    if (!best || txid > best.txid) best = { root: Number(page.readBigUInt64LE(32)), pageSize, txid };
  }
  return best;
}

/** The page `id` (with its overflow pages). */
function page(fd: number, id: number, pageSize: number): Buffer {
  const head = readAt(fd, id * pageSize, PAGE_HEADER);
  if (head.length < PAGE_HEADER) return head;
  return readAt(fd, id * pageSize, (head.readUInt32LE(12) + 1) * pageSize);
}

/**
 * The value of `key` in the tree whose root is page `root` (or the inline page `inline`), with its leaf
 * flags, or undefined.
 */
function lookup(
  fd: number,
  pageSize: number,
  key: Buffer,
  start: { root: number } | { inline: Buffer },
): { value: Buffer; flags: number } | undefined {
  let p = "inline" in start ? start.inline : page(fd, start.root, pageSize);
  for (let step = 0; step < MAX_STEPS && p.length >= PAGE_HEADER; step++) {
    const flags = p.readUInt16LE(8);
    const count = p.readUInt16LE(10);
    if (flags & LEAF) {
      for (let i = 0; i < count; i++) {
        const e = PAGE_HEADER + i * 16;
        if (e + 16 > p.length) return undefined;
        const [eflags, pos, ksize, vsize] = [0, 4, 8, 12].map((o) => p.readUInt32LE(e + o));
        const k = p.subarray(e + pos, e + pos + ksize);
        if (k.equals(key)) {
          return { value: p.subarray(e + pos + ksize, e + pos + ksize + vsize), flags: eflags };
        }
      }
      return undefined;
    }
    if (!(flags & BRANCH) || count === 0) return undefined;
    let child: number | undefined;
    for (let i = 0; i < count; i++) {
      const e = PAGE_HEADER + i * 16;
      if (e + 16 > p.length) return undefined;
      const pos = p.readUInt32LE(e);
      const ksize = p.readUInt32LE(e + 4);
      if (i > 0 && Buffer.compare(p.subarray(e + pos, e + pos + ksize), key) > 0) break;
      child = Number(p.readBigUInt64LE(e + 8));
    }
    p = page(fd, child!, pageSize);
  }
  return undefined;
}

/**
 * The cluster version recorded in the bbolt file at real path `file`, e.g. "3.5.0", or undefined when the
 * file has none or is not a bbolt database this reader understands.
 * @example clusterVersionOf("/var/backups/etcd/etcdup-...-v3.5.30.db") // "3.5.0"
 */
export function clusterVersionOf(file: string): string | undefined {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const m = meta(fd);
    if (!m) return undefined;
    const bucket = lookup(fd, m.pageSize, Buffer.from("cluster"), { root: m.root });
    if (!bucket || !(bucket.flags & BUCKET_LEAF) || bucket.value.length < 16) return undefined;
    const root = Number(bucket.value.readBigUInt64LE(0));
    const inner = lookup(
      fd,
      m.pageSize,
      Buffer.from("clusterVersion"),
      root === 0 ? { inline: bucket.value.subarray(16) } : { root },
    );
    const v = inner?.value.toString("latin1");
    return v !== undefined && /^\d+\.\d+\.\d+$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
