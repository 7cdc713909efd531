/**
 * Command and flag specifications. A spec is data: it drives argv parsing (node:util parseArgs, strict),
 * environment variables (`ETCDUP_<FLAG>`), config-file keys, and the help text, so the three sources can
 * never disagree. Specs import nothing heavy; the command body is loaded lazily by {@link CommandSpec.load}.
 */
import type { CommandModule } from "../command.ts";

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
  /** Default shown in help (the command applies its own defaults when planning). */
  defaultText?: string;
  /** Not settable from ETCDUP_* variables or the config file (e.g. --config, --json, --help). */
  flagOnly?: boolean;
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
  /** Lazily loads the command body (keeps --help fast). */
  load(): Promise<CommandModule>;
}

/** The environment variable for a flag: `mirror-ca` -> `ETCDUP_MIRROR_CA`. */
export function envName(flag: string): string {
  return "ETCDUP_" + flag.toUpperCase().replaceAll("-", "_");
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
      f.defaultText ? `default: ${f.defaultText}` : "",
      f.multiple ? "repeatable" : "",
      f.flagOnly ? "" : `env ${envName(name)}`,
    ].filter(Boolean).join("; ");
    const pad = left[i].length >= width ? "\n" + " ".repeat(width) : " ".repeat(width - left[i].length);
    lines.push(`${left[i]}${pad}${f.description}${extras ? ` (${extras})` : ""}`);
  });
  if (spec.details) lines.push("", spec.details.trimEnd());
  return lines.join("\n") + "\n";
}
