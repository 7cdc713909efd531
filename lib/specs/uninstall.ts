/** Flags of `etcdup uninstall`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** The flags of `etcdup uninstall`. */
export const uninstallFlags = {
  // Deleting data is asked for on the command line each time: never from an exported ETCDUP_PURGE or a
  // config file shared with install.
  purge: {
    type: "boolean",
    description: "Also delete the data directory (all keys!) and the PKI.",
    flagOnly: true,
  },
  "purge-backups": {
    type: "boolean",
    description: "Also delete etcdup's snapshots in /var/backups/etcd (kept even with --purge otherwise).",
    flagOnly: true,
  },
  "keep-member": { type: "boolean", description: "Do not remove this member from its cluster first." },
  "dry-run": {
    type: "boolean",
    description: "Print what would be stopped, disabled, removed and kept, change nothing.",
    flagOnly: true,
  },
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup uninstall`: remove exactly what etcdup wrote, keep data and PKI unless --purge. */
export const uninstallSpec: CommandSpec = {
  name: "uninstall",
  summary:
    "Stop etcd and remove what etcdup wrote (user-edited files are kept); data and PKI stay unless --purge.",
  usage: "etcdup uninstall [--purge] [flags]",
  details:
    `Only files recorded in /var/lib/etcdup/state.json are touched, and only when their content is still
what etcdup wrote: files you edited are kept and listed. Running it again is harmless.
On a cluster member the member is first removed from the cluster, unless it is the last one or --keep-member.`,
  flags: uninstallFlags,
};
