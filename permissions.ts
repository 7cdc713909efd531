/**
 * The Deno permissions etcdup runs with, compiled in by build.ts and used by `deno task etcdup` and the
 * end-to-end suite, so the source run and the binary behave the same. An installer that writes to /etc,
 * runs systemctl and downloads releases needs these; it needs no FFI and no dynamic code from the network.
 */
export const RUNTIME_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
];
