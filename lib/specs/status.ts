/** Flags of `etcdup status`. */
import type { CommandSpec, FlagSpec } from "./spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** The flags of `etcdup status` (lib/commands/status.ts reads them typed). */
export const statusFlags = {
  "expiry-days": {
    type: "string",
    value: "N",
    parse: "daysAhead",
    default: "30",
    description: "Report certificates expiring within N days as a problem.",
  },
  ...rootFlag,
  ...configFlag,
  ...outputFlags,
} satisfies Record<string, FlagSpec>;

/** `etcdup status`: version, service, health, certificate expiry and drift; exit 6 when something is wrong. */
export const statusSpec: CommandSpec = {
  name: "status",
  summary: "Show the installed version, service state, health over mTLS, certificate expiry and drift.",
  usage: "etcdup status [flags]",
  details:
    `Exits 0 when etcd is active and healthy, no certificate expires within --expiry-days and every file
etcdup wrote is as it wrote it; 6 otherwise (7 when etcdup never installed etcd here).`,
  flags: statusFlags,
};
