/**
 * Command and flag specifications. A spec is data: it drives argv parsing (node:util parseArgs, strict),
 * environment variables (`ETCDUP_<FLAG>`), config-file keys, and the help text, so the three sources can
 * never disagree. The specs are pure data below the flows (the model layer), so that a command body can
 * take its flags' {@link Options} type from them without importing the CLI; the CLI parses with them
 * (lib/cli/args.ts; lib/plan/options.ts parses the values) and attaches each body to its spec (lib/cli/commands.ts).
 */
import type { CommandContext } from "../command.ts";
import type { KeyAlgorithm } from "../pki/algorithms.ts";
import type { Layout } from "../pki/layout.ts";

/** One flag. */
export interface FlagSpec {
  type: "string" | "boolean";
  /** May be given several times (collected into an array; comma-separated in env and config). */
  multiple?: boolean;
  short?: string;
  /** Placeholder in help, e.g. "DIR". */
  value?: string;
  /** One line of help. */
  description: string;
  /**
   * The rule of lib/plan/flag_rules.ts that checks and converts each value (a string flag), before the command runs;
   * a bad value is a usage error (exit 2) naming the flag, variable or config key it came from.
   */
  parse?: Rule;
  /** The value when unset, written as on the command line (it goes through `parse` like a given one). */
  default?: string;
  /** Default shown in help when it is not {@link default} (a default the command works out, e.g. "the installed one"). */
  defaultText?: string;
  /** Not settable from ETCDUP_* variables or the config file (e.g. --config, --json, --help). */
  flagOnly?: boolean;
}

/**
 * The rules a flag spec can name and the type each makes of a value: lib/plan/flag_rules.ts implements
 * exactly these (it `satisfies` this table), so the options' types hold without importing the validators.
 */
export interface RuleValues {
  days: number;
  daysAhead: number;
  timeout: number;
  healthTimeout: number;
  minutes: number;
  keep: number;
  size: number;
  duration: string;
  tuning: "lan" | "wan";
  raftMs: number;
  sha256: string;
  port: number;
  san: string;
  memberName: string;
  keyAlgorithm: KeyAlgorithm;
  layout: Layout;
  absolutePath: string;
  root: string;
}

/** The name of a rule of lib/plan/flag_rules.ts. */
export type Rule = keyof RuleValues;

/** A flag's value in a command's options: the rule's result, else the string; booleans are false when unset. */
type OptionValue<F extends FlagSpec> = F["type"] extends "boolean" ? boolean
  : F extends { multiple: true } ? Parsed<F>[]
  : F extends { default: string } ? Parsed<F>
  : Parsed<F> | undefined;
type Parsed<F extends FlagSpec> = F extends { parse: infer R extends Rule } ? RuleValues[R] : string;

/**
 * The typed options of a command, one per flag of `Flags` (declared `satisfies Record<string, FlagSpec>`):
 * `{ "health-timeout": number; root: string; force: boolean; san: string[]; name: string | undefined }`.
 */
export type Options<Flags extends Record<string, FlagSpec>> = {
  readonly [K in keyof Flags]: OptionValue<Flags[K]>;
};

/**
 * What the body of a command with these flags receives: its typed {@link Options} beside the raw values.
 * @example export function run(ctx: ContextOf<typeof statusFlags>) { ctx.options["expiry-days"] } // a number
 */
export type ContextOf<Flags extends Record<string, FlagSpec>> = CommandContext & { options: Options<Flags> };

/**
 * Whether the operator set `flag` (on the command line, in ETCDUP_* or the config file), for the few
 * commands whose meaning differs from the default's (`certs renew --cert-days` replaces a client's lifetime).
 */
export function given(ctx: Pick<CommandContext, "sources">, flag: string): boolean {
  return Object.hasOwn(ctx.sources, flag);
}

/** A (sub)command. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line(s) after "Usage:". */
  usage: string;
  /** Longer help (examples, notes); optional. */
  details?: string;
  flags: Record<string, FlagSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: { min?: number; max?: number; name: string };
}

/** The environment variable for a flag: `mirror-ca` -> `ETCDUP_MIRROR_CA`. */
export function envName(flag: string): string {
  return "ETCDUP_" + flag.toUpperCase().replaceAll("-", "_");
}

/** The default help and --print-config show for a flag. */
export function shownDefault(f: FlagSpec): string | undefined {
  return f.defaultText ?? f.default;
}

/** Renders a command's help text from its spec. */
export function renderHelp(spec: CommandSpec): string {
  const lines = [`etcdup ${spec.name}: ${spec.summary}`, "", `Usage: ${spec.usage}`, "", "Flags:"];
  const entries = Object.entries(spec.flags);
  const left = entries.map(([name, f]) =>
    `  ${f.short ? `-${f.short}, ` : ""}--${name}${f.type === "string" ? ` ${f.value ?? "VALUE"}` : ""}`
  );
  const width = Math.min(Math.max(...left.map((l) => l.length)) + 2, 40);
  entries.forEach(([name, f], i) => {
    const extras = [
      shownDefault(f) ? `default: ${shownDefault(f)}` : "",
      f.multiple ? "repeatable" : "",
      f.flagOnly ? "" : `env ${envName(name)}`,
    ].filter(Boolean).join("; ");
    const pad = left[i].length >= width ? "\n" + " ".repeat(width) : " ".repeat(width - left[i].length);
    lines.push(`${left[i]}${pad}${f.description}${extras ? ` (${extras})` : ""}`);
  });
  if (spec.details) lines.push("", spec.details.trimEnd());
  return lines.join("\n") + "\n";
}
