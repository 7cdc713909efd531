/**
 * The install a day-two command works on, observed: the state record, or the refusal (exit 7,
 * `not-installed`) saying there is none and why (never installed; uninstalled, then what was kept). The first
 * read of every day-two command: upgrade's observation makes it (lib/observe/upgrade.ts); the commands that
 * check for root between it and the rest of their reads (backup, restore, maintain...) call it themselves.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import { readRemains, readState } from "../host/state.ts";
import { type InstallState, STATE_FILE } from "../state_record.ts";

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
