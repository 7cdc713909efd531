/** Flags shared by several commands, so each is spelled and described once. */
import type { FlagSpec } from "../spec.ts";

/** Output flags every command takes. */
export const outputFlags: Record<string, FlagSpec> = {
  json: {
    type: "boolean",
    description: "Print JSON lines (events and the result) instead of text.",
    flagOnly: true,
  },
  quiet: { type: "boolean", short: "q", description: "Print only warnings and errors." },
  help: { type: "boolean", short: "h", description: "Show this help.", flagOnly: true },
};

/** Where on the host things live; shared by install, certs, status, uninstall, upgrade. */
export const rootFlag: Record<string, FlagSpec> = {
  root: {
    type: "string",
    value: "DIR",
    description:
      "Operate on the tree under DIR instead of the live host (image builds, tests). Never starts services.",
  },
};

/** The config-file flag (flags win over env, env over the file). */
export const configFlag: Record<string, FlagSpec> = {
  config: {
    type: "string",
    value: "FILE",
    description: "Read flag values from a YAML or JSON file (same keys as the flags).",
    flagOnly: true,
  },
};
