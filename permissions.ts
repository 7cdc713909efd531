/**
 * The Deno runtime flags etcdup runs with, compiled in by build.ts and used by `deno task etcdup` and the
 * end-to-end suite, so the source run and the binary behave the same. An installer that writes to /etc,
 * runs systemctl and downloads releases needs these permissions; it needs no FFI and no dynamic code from the
 * network.
 *
 * One V8 setting rides along: a 1 MiB young generation. Streaming a release through gunzip and tar makes
 * thousands of short-lived chunk buffers; with V8's default young generation (up to 16 MiB per semi-space)
 * they pile up as uncollected garbage and the peak RSS of an install grew with the tarball (issue 17: 213 MiB
 * on the fixture release). Measured here: same speed, peak RSS flat in the tarball's size.
 */
export const RUNTIME_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
  "--v8-flags=--max-semi-space-size=1",
];
