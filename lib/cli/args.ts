/**
 * Turns argv, `ETCDUP_*` environment variables and an optional config file into one set of flag
 * values for a command, with flags winning over the environment and the environment over the file.
 * Every malformed input becomes a usage error (exit 2) that names the flag, variable or key.
 */
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import { didYouMean } from "./suggest.ts";
import { type CommandSpec, envName, type FlagSpec } from "../specs/spec.ts";
import type { FlagSource, FlagValues } from "../command.ts";

/** The merged result of {@link parseCommand}. */
export interface ParsedCommand {
  values: FlagValues;
  sources: Record<string, FlagSource>;
  positionals: string[];
}

type ParseArgsError = Error & { code?: string };

function flagError(spec: CommandSpec, err: ParseArgsError): Error {
  const msg = err.message.replace(/\. To specify a positional argument.*$/s, "");
  const hint = `Run 'etcdup ${spec.name} --help' for the flags it takes.`;
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const typed = /'(--?[^'=]+)/.exec(msg)?.[1]?.replace(/^-+/, "") ?? "";
      const known = Object.keys(spec.flags);
      return usageError(
        "unknown-flag",
        `etcdup ${spec.name}: ${msg}.${didYouMean(typed, known, (f) => `--${f}`)}`,
        hint,
      );
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return usageError("bad-flag-value", `etcdup ${spec.name}: ${msg}`, hint);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return usageError("unexpected-argument", `etcdup ${spec.name}: ${msg}`, hint);
    default:
      return usageError("bad-arguments", `etcdup ${spec.name}: ${msg}`, hint);
  }
}

/** Parses a boolean written in an env var or config file ("1", "true", "yes", "0", "false", "no"). */
function parseBool(raw: unknown, where: string): boolean {
  if (typeof raw === "boolean") return raw;
  const s = String(raw).trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  throw usageError(
    "bad-boolean",
    `${where} must be true or false, got '${String(raw)}'`,
    "Use 1/true/yes or 0/false/no.",
  );
}

/** Coerces one env or config value to the flag's type. */
function coerce(flag: FlagSpec, raw: unknown, where: string): string | boolean | string[] {
  if (flag.type === "boolean") return parseBool(raw, where);
  if (flag.multiple) {
    const items = Array.isArray(raw) ? raw : String(raw).split(",");
    return items.map((v) => String(v).trim()).filter((v) => v !== "");
  }
  if (typeof raw === "object" && raw !== null) {
    throw usageError("bad-config-value", `${where} must be a single value, got ${JSON.stringify(raw)}`);
  }
  return String(raw);
}

/** Reads and parses a YAML/JSON config file into a mapping of flag names to values. */
async function readConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw usageError(
      "config-unreadable",
      `cannot read config file ${path}: ${(err as Error).message}`,
      "Check the path given to --config.",
    );
  }
  const { parse } = await import("yaml");
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw usageError(
      "config-invalid",
      `config file ${path} is not valid YAML: ${(err as Error).message}`,
      "Fix the syntax; keys are the flag names without dashes, e.g. 'version: v3.6.6'.",
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw usageError(
      "config-invalid",
      `config file ${path} must be a mapping of flag names to values`,
      "Write one 'flag-name: value' per line.",
    );
  }
  return data as Record<string, unknown>;
}

/**
 * Parses `argv` for `spec` (strict: unknown flags are errors), then fills unset flags from
 * `ETCDUP_*` variables in `env` and from the `--config` file.
 */
export async function parseCommand(
  spec: CommandSpec,
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<ParsedCommand> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = {
      type: f.type,
      ...(f.multiple ? { multiple: true } : {}),
      ...(f.short ? { short: f.short } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: spec.positionals !== undefined,
    });
  } catch (err) {
    throw flagError(spec, err as ParseArgsError);
  }
  const values: FlagValues = {};
  const sources: Record<string, FlagSource> = {};
  for (const [name, v] of Object.entries(parsed.values)) {
    if (v === undefined) continue;
    values[name] = v as string | boolean | string[];
    sources[name] = "flag";
  }
  if (values.help) return { values, sources, positionals: parsed.positionals };

  // Own keys only, everywhere: `constructor`, `toString` or `__proto__` are found on every object's prototype.
  for (const [name, f] of Object.entries(spec.flags)) {
    const raw = Object.hasOwn(env, envName(name)) ? env[envName(name)] : undefined;
    if (f.flagOnly || Object.hasOwn(values, name) || raw === undefined) continue;
    values[name] = coerce(f, raw, `environment variable ${envName(name)}`);
    sources[name] = "env";
  }

  if (typeof values.config === "string") {
    const config = await readConfig(values.config);
    for (const [key, raw] of Object.entries(config)) {
      const f = Object.hasOwn(spec.flags, key) ? spec.flags[key] : undefined;
      if (!f || f.flagOnly) {
        throw usageError(
          "config-unknown-key",
          `config file ${values.config}: unknown key '${key}' for 'etcdup ${spec.name}'`,
          `Keys are the flag names of 'etcdup ${spec.name} --help' without the leading dashes.`,
        );
      }
      if (Object.hasOwn(values, key) || raw === null || raw === undefined) continue;
      values[key] = coerce(f, raw, `config key '${key}' in ${values.config}`);
      sources[key] = "config";
    }
  }

  const pos = spec.positionals;
  const n = parsed.positionals.length;
  if (pos && ((pos.min !== undefined && n < pos.min) || (pos.max !== undefined && n > pos.max))) {
    throw usageError(
      "bad-arguments",
      `etcdup ${spec.name}: expected ${describeCount(pos)} ${pos.name}, got ${n}`,
      `Usage: ${spec.usage}`,
    );
  }
  return { values, sources, positionals: parsed.positionals };
}

/**
 * A usage error about a value that came from an `ETCDUP_*` variable or a `--config` key, with the message
 * naming that variable or key instead of the flag (`--client-port` -> `ETCDUP_CLIENT_PORT`): the planners
 * validate values by flag name and do not know where each came from; this does. Other errors pass unchanged.
 * @example blameSource(usageError("bad-port", "--client-port: 'abc' is not a TCP port"), parsed).message
 * // "ETCDUP_CLIENT_PORT (--client-port): 'abc' is not a TCP port"
 */
export function blameSource(err: unknown, parsed: Pick<ParsedCommand, "values" | "sources">): unknown {
  if (!(err instanceof EtcdupError) || err.exit !== Exit.usage) return err;
  const where = (flag: string): string | undefined => {
    const source = parsed.sources[flag];
    if (source === "env") return `${envName(flag)} (--${flag})`;
    if (source === "config") return `config key '${flag}' in ${String(parsed.values.config)}`;
    return undefined;
  };
  let changed = false;
  const message = err.message.replace(/--([a-z0-9][a-z0-9-]*)/g, (whole, flag: string) => {
    const named = where(flag);
    changed ||= named !== undefined;
    return named ?? whole;
  });
  if (!changed) return err;
  return new EtcdupError({ code: err.code, message, hint: err.hint, exit: err.exit, cause: err.cause });
}

function describeCount(pos: { min?: number; max?: number }): string {
  if (pos.min === pos.max) return `${pos.min}`;
  if (pos.max === undefined) return `at least ${pos.min ?? 0}`;
  return `${pos.min ?? 0} to ${pos.max}`;
}
