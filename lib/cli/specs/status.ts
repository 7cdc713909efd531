/** Flags of `etcdup status`. (Owned by the status work; fill in its flags.) */
import type { CommandSpec } from "../spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** `etcdup status`. */
export const statusSpec: CommandSpec = {
  name: "status",
  summary: "TODO",
  usage: "etcdup status [flags]",
  flags: { ...rootFlag, ...configFlag, ...outputFlags },
  load: () => import("../../commands/status.ts"),
};
