/**
 * What a command body receives and returns: the contract between the CLI, which parses argv, environment and
 * config file into these values and loads the body, and the flows below it, which must not know the CLI.
 */
import type { ExitCode } from "./errors.ts";
import type { Output } from "./output.ts";

/** Values after parsing and merging: string, boolean or string[] per flag name. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Where each merged value came from (for --print-config). */
export type FlagSource = "flag" | "env" | "config";

/** What a command body receives. */
export interface CommandContext {
  /** Merged flag values (flags > env > config file). */
  values: FlagValues;
  /** Source of each value present in `values`. */
  sources: Record<string, FlagSource>;
  positionals: string[];
  env: Record<string, string | undefined>;
  out: Output;
}

/**
 * A command body: returns the exit status, or throws an EtcdupError. It also receives its typed options,
 * parsed from the values by its flags' rules before it runs (each body narrows them to its flags' types).
 */
export interface CommandModule {
  run(ctx: CommandContext & { options: Record<string, unknown> }): Promise<ExitCode>;
}
