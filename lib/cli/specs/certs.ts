/** Flags of the `etcdup certs` subcommands. (Owned by the certs work; fill in their flags.) */
import type { CommandSpec } from "../spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

const sub = (name: string, summary: string): CommandSpec => ({
  name: `certs ${name}`,
  summary,
  usage: `etcdup certs ${name} [flags]`,
  flags: { ...rootFlag, ...configFlag, ...outputFlags },
  load: () => import("../../commands/certs.ts"),
});

/** `etcdup certs ...` subcommands. */
export const certsSpecs: CommandSpec[] = [
  sub("check", "TODO"),
  sub("renew", "TODO"),
  sub("issue-client", "TODO"),
  sub("rotate-ca", "TODO"),
  sub("export", "TODO"),
];
