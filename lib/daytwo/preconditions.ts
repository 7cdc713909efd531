/**
 * What every day-two command checks first: the tree it works on (`--root`), and that it runs as root when it
 * changes the live host. That etcdup installed etcd there is observed (lib/observe/installed.ts).
 */
import type { CommandContext } from "../command.ts";
import { notRoot } from "../errors.ts";
import { HostRoot } from "../host/fs.ts";
import { rootDir } from "../plan/validate.ts";

/**
 * The host tree of `--root` (the live system without it).
 * @example hostOf({ root: "/mnt/vm" }).resolve("/etc") // "/mnt/vm/etc"
 */
export function hostOf(values: { root?: CommandContext["values"][string] }): HostRoot {
  return new HostRoot(rootDir(values.root));
}

/** Throws an EtcdupError (exit 7) when `command` would change the live host without being root. */
export function requireRoot(host: HostRoot, command: string): void {
  if (!host.isLive || Deno.uid() === 0) return;
  throw notRoot(
    command,
    "it changes the live host",
    "Run it as root (sudo), or use --root DIR for a tree that is not the running system.",
  );
}
