/**
 * Snapshot encryption in the age format (age-encryption.org/v1) with `age-encryption`, the TypeScript
 * implementation by age's author. Encryption needs only X25519 recipients (`age1...`), so the host never
 * holds a key that could read its own old backups; decryption takes an identity file
 * (`AGE-SECRET-KEY-1...`, as `age-keygen` writes it). Both directions stream in age's 64 KiB STREAM chunks:
 * memory stays flat whatever the snapshot's size. A decrypted file only counts once the last chunk's tag
 * has verified (STREAM detects truncation at the end), so output is written to a new file that is removed
 * on any failure.
 */
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { Decrypter, Encrypter } from "age-encryption";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import { collectGarbage, collectYoung } from "../host/memory.ts";
import { type AgeCli, encryptWithCli } from "../host/age_cli.ts";

/** What an encryption or decryption wrote. */
export interface CryptResult {
  /** Bytes written. */
  size: number;
  /** SHA-256 (hex) of the bytes written. */
  sha256: string;
}

/** Lines of a recipients or identity file that carry a value (not blank, not `#` comments). */
function valueLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/** Whether `s` is an X25519 recipient the age library accepts (bech32 checksum and length). */
function isX25519Recipient(s: string): boolean {
  if (!s.startsWith("age1") || s.startsWith("age1pq1") || s.startsWith("age1tag")) return false;
  try {
    new Encrypter().addRecipient(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `--encrypt-to` values: each is an `age1...` recipient or a file of them (one a line, `#`
 * comments allowed, as `age -R` reads). Refuses (exit 2) anything else, naming the value.
 */
export function loadRecipients(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.startsWith("age1")) {
      if (!isX25519Recipient(v)) {
        throw usageError(
          "age-recipient-invalid",
          `--encrypt-to ${v} is not a valid age X25519 recipient`,
          "Give the public key 'age-keygen -y KEYFILE' prints (age1...), or a file of them.",
        );
      }
      out.push(v);
      continue;
    }
    let text: string;
    try {
      text = fs.readFileSync(v, "utf8");
    } catch (err) {
      throw usageError(
        "age-recipient-invalid",
        `--encrypt-to ${v} is neither an age1... recipient nor a readable file (${(err as Error).message})`,
        "Give the public key 'age-keygen -y KEYFILE' prints (age1...), or a file of them.",
      );
    }
    const lines = valueLines(text);
    const bad = lines.find((l) => !isX25519Recipient(l));
    if (lines.length === 0 || bad !== undefined) {
      const secret = bad?.startsWith("AGE-SECRET-KEY");
      throw usageError(
        "age-recipient-invalid",
        bad === undefined
          ? `--encrypt-to ${v} holds no recipient`
          : secret
          ? `--encrypt-to ${v} holds a secret key, not a recipient`
          : `--encrypt-to ${v}: '${bad.slice(0, 24)}' is not an age X25519 recipient`,
        secret
          ? "Give its public key ('age-keygen -y KEYFILE'); the secret key must stay off this host."
          : "Put one age1... public key a line.",
      );
    }
    out.push(...lines);
  }
  return [...new Set(out)];
}

/**
 * Reads an identity file (`AGE-SECRET-KEY-1...` lines, as age-keygen writes); refuses (exit 2) one without,
 * and (exit 7, `age-identity-unsafe`) one that group or others may read or write: a secret key others can read
 * opens every backup encrypted to it, so it is refused before it is used, as ssh refuses such a key.
 */
export function loadIdentities(file: string, flag = "--identity"): string[] {
  let text: string;
  try {
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new EtcdupError({
        code: "age-identity-unsafe",
        message: `${flag} ${file} may be read or written by group or others (mode ${
          mode.toString(8).padStart(4, "0")
        }): a secret key others can read opens every backup encrypted to it`,
        hint: `Make it private: 'chmod 600 ${file}' (age-keygen writes it so), and consider the key exposed.`,
        exit: Exit.precondition,
      });
    }
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof EtcdupError) throw err;
    throw usageError(
      "age-identity-unreadable",
      `${flag} ${file}: ${(err as Error).message}`,
      "Give the file age-keygen wrote.",
    );
  }
  const ids = valueLines(text).filter((l) => l.startsWith("AGE-SECRET-KEY-1"));
  for (const id of ids) {
    try {
      new Decrypter().addIdentity(id);
    } catch {
      throw usageError(
        "age-identity-invalid",
        `${flag} ${file} holds a malformed identity`,
        "Give the file age-keygen wrote.",
      );
    }
  }
  if (ids.length === 0) {
    throw usageError(
      "age-identity-invalid",
      `${flag} ${file} holds no AGE-SECRET-KEY-1... identity`,
      "Give the file age-keygen wrote.",
    );
  }
  return ids;
}

/** Encrypts a byte stream to the recipients, as a stream. */
export async function encryptStream(
  input: ReadableStream<Uint8Array>,
  recipients: string[],
): Promise<ReadableStream<Uint8Array>> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return await e.encrypt(input);
}

/**
 * Decrypts a byte stream with the identities, as a stream; the header is checked before this resolves
 * (a wrong identity fails here), each chunk's tag as it passes, truncation at the end.
 */
export async function decryptStream(
  input: ReadableStream<Uint8Array>,
  identities: string[],
  what: string,
): Promise<ReadableStream<Uint8Array>> {
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id);
  try {
    return await d.decrypt(input);
  } catch (err) {
    throw decryptError(err, what);
  }
}

/**
 * Checks that `input` opens with the identities without decrypting it: age's header is read, the file key
 * unwrapped and the header's MAC verified, then the payload is left unread. Refuses as decrypting would
 * (`age-wrong-identity`, `age-decrypt-failed` for what is no age file): restore's dry run so says what the
 * run's decryption would say. `input` may be just the file's first bytes.
 */
export async function checkAgeHeader(
  input: ReadableStream<Uint8Array>,
  identities: string[],
  what: string,
): Promise<void> {
  const plain = await decryptStream(input, identities, what);
  await plain.cancel().catch(() => {});
}

/** {@link checkAgeHeader} of the file `file`: only its first piece is read. */
export async function checkAgeFileHeader(file: string, identities: string[]): Promise<void> {
  const stream = fs.createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    await checkAgeHeader(ReadableStream.from(stream), identities, file);
  } finally {
    stream.destroy();
  }
}

/** Maps the library's errors to a clear one (exit 3): wrong identity, or damaged/tampered data. */
function decryptError(err: unknown, what: string): EtcdupError {
  if (err instanceof EtcdupError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/no identity matched/.test(msg)) {
    return new EtcdupError({
      code: "age-wrong-identity",
      message: `${what} is not encrypted to the given identity`,
      hint: "Pass the identity whose public key was given to --encrypt-to when the backup was taken.",
      exit: Exit.verification,
    });
  }
  return new EtcdupError({
    code: "age-decrypt-failed",
    message: `${what} could not be decrypted: ${msg}`,
    hint: "The file is damaged, truncated or not an age file; nothing was restored. Pick another snapshot.",
    exit: Exit.verification,
    cause: err,
  });
}

/** Output is written (and hashed) 1 MiB at a time, not per 64 KiB STREAM chunk: a sixteenth of the calls. */
const WRITE_BATCH = 1024 * 1024;

/**
 * Input is read 256 KiB at a time: each read is a fresh buffer that age's stream holds until it is consumed,
 * and 1 MiB reads made encryption alone of a 96 MiB file peak at 100 MiB instead of 73.
 */
const READ_SIZE = 256 * 1024;

/** A file as a byte stream, in {@link READ_SIZE} pieces (`ReadableStream.from`: Readable.toWeb measured slower). */
function fileStream(file: string): ReadableStream<Uint8Array> {
  return ReadableStream.from(fs.createReadStream(file, { highWaterMark: READ_SIZE }));
}

/** A file another process is still writing: where it grows, and the writer's end. */
export interface GrowingFile {
  /** The name the writer writes under (etcdctl's `FILE.part`), renamed to the file's own at the end. */
  part: string;
  /** Settles when the writer exits: resolves once the file is whole under its own name, else rejects. */
  written: Promise<unknown>;
  /** Ends the reading early (the encryption that reads it is then discarded). */
  signal: AbortSignal;
}

/** How long the reader of a {@link GrowingFile} waits at its end, while the writer runs, to look again. */
const FOLLOW_POLL_MS = 5;

/**
 * `file` as a byte stream while `growing` describes its writer: read from `growing.part` (or `file`, once
 * renamed) as bytes arrive, like `tail -f`, so encryption runs beside the writer instead of after it; it ends
 * at the end of the file once the writer has finished, and only if what was read is the file now under its
 * own name (same inode and size: etcdctl only appends, then renames).
 */
function followStream(file: string, growing: GrowingFile): ReadableStream<Uint8Array> {
  let fh: fs.promises.FileHandle | undefined;
  let at = 0;
  let state: "writing" | "done" | { failed: unknown } = "writing";
  growing.written.then(() => void (state = "done"), (failed) => void (state = { failed }));
  const open = async () => {
    for (const name of [growing.part, file]) {
      try {
        return await fs.promises.open(name, "r");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    return undefined;
  };
  const next = async (): Promise<Uint8Array | undefined> => {
    for (;;) {
      growing.signal.throwIfAborted();
      const before = state;
      if (typeof before === "object") throw before.failed;
      fh ??= await open();
      if (fh) {
        const buf = new Uint8Array(READ_SIZE);
        const { bytesRead } = await fh.read(buf, 0, READ_SIZE, at);
        if (bytesRead > 0) {
          at += bytesRead;
          return buf.subarray(0, bytesRead);
        }
        if (before === "done") {
          const [mine, named] = [await fh.stat(), await fs.promises.stat(file)];
          if (mine.ino !== named.ino || mine.dev !== named.dev || named.size !== at) {
            throw new Error(`${file} is not the file that was read while it was written`);
          }
          return undefined;
        }
      } else if (before === "done") {
        throw new Error(`${file} was not written`);
      }
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  };
  const close = async () => {
    await fh?.close();
    fh = undefined;
  };
  return new ReadableStream({
    async pull(controller) {
      try {
        const chunk = await next();
        if (chunk === undefined) {
          await close();
          controller.close();
          return;
        }
        controller.enqueue(chunk);
      } catch (err) {
        await close();
        throw err;
      }
    },
    cancel: close,
  }, { highWaterMark: 0 });
}

/** Writes a stream to a new file (mode 0600, refused if it exists), hashing it; removes it on failure. */
async function writeNew(
  dst: string,
  data: ReadableStream<Uint8Array>,
  onError: (e: unknown) => unknown,
): Promise<CryptResult> {
  const fh = await fs.promises.open(
    dst,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
    0o600,
  );
  let ok = false;
  try {
    const hash = createHash("sha256");
    // Each read and each 64 KiB age chunk is a fresh buffer: a young collection per 1 MiB written frees them
    // (encryption alone peaked at 90 MiB, now 73; a full collection instead slowed it by half).
    const batch = Buffer.allocUnsafe(WRITE_BATCH);
    let used = 0;
    let size = 0;
    const flush = async () => {
      const bytes = batch.subarray(0, used);
      hash.update(bytes);
      for (let at = 0; at < bytes.length;) at += (await fh.write(bytes, at, bytes.length - at)).bytesWritten;
      size += used;
      collectYoung();
      used = 0;
    };
    try {
      for await (let chunk of data) {
        while (chunk.length > 0) {
          const n = Math.min(batch.length - used, chunk.length);
          batch.set(chunk.subarray(0, n), used);
          used += n;
          chunk = chunk.subarray(n);
          if (used === batch.length) await flush();
        }
      }
    } catch (err) {
      throw onError(err);
    }
    await flush();
    await fh.sync();
    // What the stream left behind goes now, not into the peak of what comes next (the upload).
    collectGarbage();
    ok = true;
    return { size, sha256: hash.digest("hex") };
  } finally {
    await fh.close();
    if (!ok) fs.rmSync(dst, { force: true });
  }
}

/** What an encryption wrote, and the plaintext it read. */
export interface SealResult extends CryptResult {
  /** Size and SHA-256 of the plaintext read. */
  plain: CryptResult;
}

/**
 * Encrypts `src` into the new file `dst` (mode 0600), streamed, hashing what it reads and what it writes.
 * With `growing`, `src` is still being written ({@link GrowingFile}): encryption follows the writer and is
 * speculative, the caller discarding `dst` unless it then verifies `src` and finds the same plaintext digest.
 * With `cli` the age binary encrypts (lib/host/age_cli.ts), else the built-in library; either way etcdup reads
 * and hashes the plaintext and writes and hashes the ciphertext itself.
 */
export async function encryptFile(
  src: string,
  dst: string,
  recipients: string[],
  growing?: GrowingFile,
  cli?: AgeCli,
): Promise<SealResult> {
  const plainHash = createHash("sha256");
  let plainSize = 0;
  const plain = (growing ? followStream(src, growing) : fileStream(src)).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        plainHash.update(chunk);
        plainSize += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const write = (ciphertext: ReadableStream<Uint8Array>) => writeNew(dst, ciphertext, (e) => e);
  const sealed = cli
    ? await encryptWithCli(cli, recipients, plain, write)
    : await write(await encryptStream(plain, recipients));
  return { ...sealed, plain: { size: plainSize, sha256: plainHash.digest("hex") } };
}

/**
 * Decrypts `src` into the new file `dst` (mode 0600), streamed. A wrong identity, a damaged or truncated
 * file fails with exit 3 and leaves no `dst`.
 */
export async function decryptFile(src: string, dst: string, identities: string[]): Promise<CryptResult> {
  const plain = await decryptStream(fileStream(src), identities, src);
  return await writeNew(dst, plain, (e) => decryptError(e, src));
}
