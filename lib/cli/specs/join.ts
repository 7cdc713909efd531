/** Flags of `etcdup join`. (Owned by the join work; fill in its flags.) */
import type { CommandSpec } from "../spec.ts";
import { configFlag, outputFlags, rootFlag } from "./common.ts";

/** `etcdup join`. */
export const joinSpec: CommandSpec = {
  name: "join",
  summary: "TODO",
  usage: "etcdup join [flags]",
  flags: { ...rootFlag, ...configFlag, ...outputFlags },
  load: () => import("../../commands/join.ts"),
};
