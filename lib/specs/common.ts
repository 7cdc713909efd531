/** Flags shared by several commands, so each is spelled and described once. */
import type { FlagSpec } from "./spec.ts";

/** Output flags every command takes. */
export const outputFlags = {
  json: {
    type: "boolean",
    description: "Print JSON lines (events and the result) instead of text.",
    flagOnly: true,
  },
  quiet: { type: "boolean", short: "q", description: "Print only warnings and errors." },
  help: { type: "boolean", short: "h", description: "Show this help.", flagOnly: true },
} satisfies Record<string, FlagSpec>;

/** Where on the host things live; shared by install, certs, status, uninstall, upgrade. */
export const rootFlag = {
  root: {
    type: "string",
    value: "DIR",
    parse: "root",
    default: "/",
    description:
      "Operate on the tree under DIR instead of the live host (image builds, tests). Never starts services.",
    defaultText: "the live host",
  },
} satisfies Record<string, FlagSpec>;

/** The config-file flag (flags win over env, env over the file). */
export const configFlag = {
  config: {
    type: "string",
    value: "FILE",
    description: "Read flag values from a YAML or JSON file (same keys as the flags).",
    flagOnly: true,
  },
} satisfies Record<string, FlagSpec>;

/** How long a day-two command waits for etcd to answer healthy after a restart (spread, then described anew). */
export const healthTimeout = {
  type: "string",
  value: "SECONDS",
  parse: "healthTimeout",
  // DEFAULT_HEALTH_TIMEOUT_S of lib/plan/health_timeout.ts (the one rule), written out because start-up
  // loads no planner; tests/plan/health_timeout_test.ts holds the two equal.
  default: "60",
  description: "How long to wait for etcd to be healthy, 1 to 3600 s.",
} satisfies FlagSpec;
