/**
 * The block structure of a tar stream, walked ahead of tar-stream: where each header sits, how many content
 * blocks follow it, and where the end-of-archive marker (two zero blocks) is. tar-stream itself skips zero
 * blocks and reads on, so it would unpack entries hidden after the marker (which `tar` ignores); and it trusts
 * header fields in ways that can stall it. The framer forwards the stream only up to the marker, insists that
 * only zero padding follows, refuses what no honest release holds (a lone zero block between entries, a size
 * field that is not a number, negative or beyond any cap, oversized long-name/PAX headers, PAX records that
 * do not parse or that change an entry's size, a truncated block) and lists the entry headers it found, so
 * the caller can check that tar-stream saw exactly those.
 * Errors are plain `Error`s; the unpacker reports them as `bad-tar`.
 */

const BLOCK = 512;

/** Header types that describe the next entry instead of being one (PAX, GNU long names). */
const META_TYPES = new Set(["x", "g", "L", "K"]);

/** Largest metadata header content (PAX records, long names) an honest release could need. */
export const MAX_META_BYTES = 1024 * 1024;

/** One entry header the framer found: its offset in the tar stream and the size its header field gives. */
export interface FramedEntry {
  offset: number;
  size: number;
}

/**
 * The size field of a header block (bytes 124..135): octal digits (leading spaces allowed, ended by NUL
 * or space) or GNU base-256 (first byte 0x80). Throws for anything else, negative sizes included.
 */
export function headerSize(block: Uint8Array): number {
  const field = block.subarray(124, 136);
  if (field[0] & 0x80) {
    if (field[0] !== 0x80) throw new Error("negative base-256 size field");
    let n = 0;
    for (const b of field.subarray(1)) n = n * 256 + b;
    if (!Number.isSafeInteger(n)) throw new Error("base-256 size field beyond any size");
    return n;
  }
  const text = new TextDecoder("latin1").decode(field);
  const m = /^ *([0-7]*)[ \0]*$/.exec(text);
  if (!m) throw new Error(`size field ${JSON.stringify(text)} is not an octal number`);
  return m[1] === "" ? 0 : parseInt(m[1], 8);
}

/**
 * Checks the records of a PAX header (`LEN KEY=VALUE\n`, LEN counting the whole record) strictly. Throws
 * when a record is malformed, when a `size` (or sparse-file) record would change the next entry's size
 * (tar-stream would frame it differently from its header), and for a global header (`g`) with anything
 * but a comment (tar-stream applies global records only beside a local PAX header).
 */
export function checkPax(data: Uint8Array, global: boolean): void {
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    const lenText = sp < 0 ? "" : new TextDecoder("latin1").decode(data.subarray(i, sp));
    if (!/^[1-9][0-9]{0,6}$/.test(lenText)) throw new Error("a PAX record without a valid length");
    const end = i + parseInt(lenText, 10);
    if (end > data.length || end <= sp + 1 || data[end - 1] !== 0x0a) {
      throw new Error(`a PAX record whose length ${lenText} does not match it`);
    }
    const record = new TextDecoder().decode(data.subarray(sp + 1, end - 1));
    const eq = record.indexOf("=");
    if (eq <= 0) throw new Error("a PAX record without key=value");
    const key = record.slice(0, eq);
    if (key === "size" || key.startsWith("GNU.sparse")) throw new Error(`a PAX '${key}' record`);
    if (global && key !== "comment") throw new Error(`a global PAX '${key}' record`);
    i = end;
  }
}

/** Walks a tar stream chunk by chunk; see the module comment. */
export class TarFramer {
  /** Entry headers found and not yet taken by {@link takeEntry}, in stream order. */
  private readonly entries: FramedEntry[] = [];
  private readonly header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Bytes of the stream walked so far. */
  private offset = 0;
  /** Content (and padding) bytes still to pass before the next header. */
  private contentLeft = 0;
  private zeroBlocks = 0;
  private ended = false;
  /** The content of the PAX header being read, checked once complete. */
  private pax?: { global: boolean; data: Uint8Array; fill: number };

  /** Walks `chunk`; returns the part of it tar-stream is to read (empty once past the marker). */
  feed(chunk: Uint8Array): Uint8Array {
    let i = 0;
    let forward = chunk.length;
    while (i < chunk.length) {
      if (this.ended) {
        if (chunk.subarray(i).some((b) => b !== 0)) throw new Error("data after the end-of-archive marker");
        forward = Math.min(forward, i);
        break;
      }
      if (this.contentLeft > 0) {
        const n = Math.min(this.contentLeft, chunk.length - i);
        if (this.pax) this.collectPax(chunk.subarray(i, i + n));
        this.contentLeft -= n;
        this.offset += n;
        i += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - i);
      this.header.set(chunk.subarray(i, i + n), this.headerFill);
      this.headerFill += n;
      this.offset += n;
      i += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.block(this.offset - BLOCK);
        if (this.ended) forward = i;
      }
    }
    return chunk.subarray(0, forward);
  }

  /** One complete header-position block at `at`. */
  private block(at: number): void {
    if (this.header.every((b) => b === 0)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.ended = true;
      return;
    }
    if (this.zeroBlocks > 0) throw new Error(`a lone zero block before the header at byte ${at}`);
    const size = headerSize(this.header);
    const type = String.fromCharCode(this.header[156]);
    if (META_TYPES.has(type) && size > MAX_META_BYTES) {
      throw new Error(`a ${size}-byte long-name or PAX header at byte ${at}`);
    }
    if (!META_TYPES.has(type)) this.entries.push({ offset: at, size });
    this.contentLeft = Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x" || type === "g") {
      this.pax = { global: type === "g", data: new Uint8Array(size), fill: 0 };
      if (size === 0) this.collectPax(new Uint8Array());
    }
  }

  /** Adds content bytes (padding included) of the PAX header being read; checks it once complete. */
  private collectPax(bytes: Uint8Array): void {
    const pax = this.pax!;
    const take = bytes.subarray(0, pax.data.length - pax.fill);
    pax.data.set(take, pax.fill);
    pax.fill += take.length;
    if (pax.fill < pax.data.length) return;
    this.pax = undefined;
    checkPax(pax.data, pax.global);
  }

  /** The next entry header found, or undefined when tar-stream reports one the framer did not find. */
  takeEntry(): FramedEntry | undefined {
    return this.entries.shift();
  }

  /** At the end of the stream: throws unless it ended with the end-of-archive marker. */
  finish(): void {
    if (!this.ended) {
      throw new Error(
        this.headerFill > 0 || this.contentLeft > 0
          ? "the archive is truncated"
          : "no end-of-archive marker (the archive is truncated)",
      );
    }
  }

  /** Once tar-stream has finished: throws unless it reported every entry header the framer found. */
  checkAllTaken(): void {
    if (this.entries.length > 0) throw new Error(`the header at byte ${this.entries[0].offset} was skipped`);
  }
}
