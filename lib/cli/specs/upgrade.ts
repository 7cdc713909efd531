/** Flags of `etcdup upgrade`. (Owned by the upgrade work; fill in its flags.) */
import type { CommandSpec } from "../spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** `etcdup upgrade`. */
export const upgradeSpec: CommandSpec = {
  name: "upgrade",
  summary: "TODO",
  usage: "etcdup upgrade [flags]",
  flags: { ...rootFlag, ...configFlag, ...outputFlags },
  load: () => import("../../commands/upgrade.ts"),
};
