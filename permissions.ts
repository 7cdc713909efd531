/**
 * The Deno runtime flags etcdup runs with, compiled in by build.ts and used by `deno task etcdup` and the
 * end-to-end suite, so the source run and the binary behave the same. An installer that writes to /etc,
 * runs systemctl and downloads releases needs these permissions; it needs no FFI and no dynamic code from the
 * network.
 *
 * Two V8 settings ride along. A 1 MiB young generation: Streaming a release through gunzip and tar makes
 * thousands of short-lived chunk buffers; with V8's default young generation (up to 16 MiB per semi-space)
 * they pile up as uncollected garbage and the peak RSS of an install grew with the tarball (issue 17: 213 MiB
 * on the fixture release). Measured here: same speed, peak RSS flat in the tarball's size. And `--expose-gc`:
 * the chunk buffers live outside V8's heap, and V8 lets such external memory grow by up to 64 MiB before it
 * collects, so lib/release/obtain.ts runs a collection every 4 MiB of the release stream (a 4x release peaked
 * anywhere from 85 to 115 MiB without it, 81-86 MiB with it).
 */
export const RUNTIME_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--v8-flags=--max-semi-space-size=1,--expose-gc",
];
