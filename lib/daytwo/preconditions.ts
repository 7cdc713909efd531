/**
 * What every day-two command checks first: the tree it works on (`--root`), that etcdup installed etcd there
 * (the state record; after an uninstall, what was kept), and that it runs as root when it changes the live host.
 */
import type { CommandContext } from "../command.ts";
import { EtcdupError, Exit, notRoot } from "../errors.ts";
import { HostRoot } from "../host/fs.ts";
import { type InstallState, readRemains, readState, STATE_FILE } from "../host/state.ts";
import { rootDir } from "../plan/validate.ts";

/**
 * The host tree of `--root` (the live system without it).
 * @example hostOf({ root: "/mnt/vm" }).resolve("/etc") // "/mnt/vm/etc"
 */
export function hostOf(values: { root?: CommandContext["values"][string] }): HostRoot {
  return new HostRoot(rootDir(values.root));
}

/**
 * The state record, or an EtcdupError (exit 7) saying that there is nothing to `command` and why: never
 * installed, or uninstalled (then naming what the uninstall kept and how to reinstall or purge it).
 */
export function requireInstalled(host: HostRoot, command: string): InstallState {
  const state = readState(host);
  if (state) return state;
  const remains = readRemains(host);
  if (!remains) {
    throw new EtcdupError({
      code: "not-installed",
      message: `etcdup has not installed etcd here (${
        host.resolve(STATE_FILE)
      } does not exist): nothing to ${command}`,
      hint: "Run 'etcdup install' first.",
      exit: Exit.precondition,
    });
  }
  const kept = [...remains.dataDirs, ...remains.pkiDirs].join(", ");
  throw new EtcdupError({
    code: "not-installed",
    message:
      `etcdup uninstalled etcd here at ${remains.uninstalledAt} (keeping ${kept}): nothing to ${command}`,
    hint:
      "'etcdup install' installs it again on the kept data and PKI; 'etcdup uninstall --purge' deletes them.",
    exit: Exit.precondition,
  });
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
