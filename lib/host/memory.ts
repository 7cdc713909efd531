/**
 * Garbage collections at chosen points, when the runtime exposes `gc` (permissions.ts passes V8's
 * `--expose-gc`). Every chunk of a stream (a download, gunzip's and tar's output, age's ciphertext, a copy
 * Deno's `fetch` makes of each request body) is an ArrayBuffer outside V8's heap, and V8 lets such external
 * memory grow by up to 64 MiB before it collects: without these calls peak RSS rose with the file's size
 * (issue 17). A full collection of etcdup's small heap takes about a millisecond, a young one less: age's
 * output calls one per MiB, which a full one would slow by half.
 */

/** Bytes of stream between two collections of {@link garbageCollector}. */
const COLLECT_EVERY = 4 * 1024 * 1024;

/** Runs a full collection now (a no-op without `--expose-gc`). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs a young-generation collection (a scavenge) now: cheaper; frees fresh chunks' buffers. */
export function collectYoung(): void {
  (globalThis as { gc?: (o: { type: string }) => void }).gc?.({ type: "minor" });
}

/** A counter that runs {@link collectGarbage} every {@link COLLECT_EVERY} bytes it is told about. */
export function garbageCollector(): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since >= COLLECT_EVERY) {
      since = 0;
      collectGarbage();
    }
  };
}
