/** Flags of `etcdup uninstall`. (Owned by the uninstall work; fill in its flags.) */
import type { CommandSpec } from "../spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** `etcdup uninstall`. */
export const uninstallSpec: CommandSpec = {
  name: "uninstall",
  summary: "TODO",
  usage: "etcdup uninstall [flags]",
  flags: { ...rootFlag, ...configFlag, ...outputFlags },
  load: () => import("../../commands/uninstall.ts"),
};
