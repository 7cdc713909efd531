/**
 * `--print-config`: the merged configuration of a command (flags > `ETCDUP_*` environment > `--config` file)
 * with the source of every value. The human form is YAML that `--config` reads back unchanged: one
 * `key: value` line per set flag with a `# from ...` comment, and every unset key as a comment naming its
 * default, so it doubles as a template for cloud-init's `/etc/etcdup.yaml`.
 */
import { Exit, type ExitCode } from "../errors.ts";
import { type CommandSpec, envName, shownDefault } from "../specs/spec.ts";
import type { CommandContext } from "../command.ts";

/** One settable key of a command and where its value came from. */
export interface ConfigEntry {
  /** The flag name, which is also the config-file key. */
  key: string;
  /** The merged value; undefined when unset. */
  value?: string | boolean | string[];
  /** `flag`, `env`, `config`, or `default` when unset. */
  source: "flag" | "env" | "config" | "default";
  /** Exactly where: `--version`, `ETCDUP_VERSION`, the config file's path, or `default`. */
  from: string;
  /** The default the command applies when unset (from the spec's help). */
  defaultText?: string;
}

/**
 * The settable keys of `spec` (flag-only ones such as --json and --config left out) with their merged
 * values and sources, in help order.
 * @example configEntries(installSpec, ctx).find((e) => e.key === "version") // { value: "v3.6.6", from: "--version", ... }
 */
export function configEntries(
  spec: CommandSpec,
  ctx: Pick<CommandContext, "values" | "sources">,
): ConfigEntry[] {
  const file = typeof ctx.values.config === "string" ? ctx.values.config : "--config file";
  return Object.entries(spec.flags).filter(([, f]) => !f.flagOnly).map(([key, f]) => {
    const source: ConfigEntry["source"] = key in ctx.sources ? ctx.sources[key] : "default";
    const value = source === "default" ? undefined : ctx.values[key];
    const from = { flag: `--${key}`, env: envName(key), config: file, default: "default" }[source];
    return {
      key,
      value,
      source,
      from,
      defaultText: shownDefault(f) ?? (f.type === "boolean" ? "false" : undefined),
    };
  });
}

const YAML_WORDS = /^(true|false|yes|no|on|off|null|y|n)$/i;

/** A string as a YAML scalar: plain when that reads back as the same string, else double-quoted. */
export function yamlScalar(s: string): string {
  return /^[A-Za-z_/][\w./:@+=,~-]*$/.test(s) && !YAML_WORDS.test(s) ? s : JSON.stringify(s);
}

/** A value as YAML: booleans bare, lists in flow style with quoted items, strings via {@link yamlScalar}. */
function yamlValue(v: string | boolean | string[]): string {
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((i) => JSON.stringify(i)).join(", ")}]`;
  return yamlScalar(v);
}

/** Renders entries as commented YAML that `--config` accepts. */
export function renderConfig(command: string, entries: readonly ConfigEntry[]): string {
  const lines = [`# etcdup ${command}: merged configuration (flags > ETCDUP_* environment > --config file)`];
  const set = entries.filter((e) => e.value !== undefined).map((
    e,
  ) => [`${e.key}: ${yamlValue(e.value!)}`, e]);
  const width = Math.max(0, ...set.map(([l]) => (l as string).length)) + 2;
  for (const [line, e] of set as [string, ConfigEntry][]) lines.push(`${line.padEnd(width)}# from ${e.from}`);
  for (const e of entries.filter((e) => e.value === undefined)) {
    lines.push(`# ${e.key}: ${e.defaultText ? `(default: ${e.defaultText})` : "(unset)"}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Prints the merged configuration of `spec` to `ctx.out` (YAML for people, `{command, config}` with
 * `--json`) and returns {@link Exit.ok}. main.ts calls it when `--print-config` is set, before the command
 * body is loaded: the body never needs its own spec (lib/cli/ loads lib/commands/, not the reverse).
 */
export function printConfig(spec: CommandSpec, ctx: CommandContext): ExitCode {
  const entries = configEntries(spec, ctx);
  const config = Object.fromEntries(
    entries.map((
      e,
    ) => [e.key, { value: e.value ?? null, source: e.source, from: e.from, default: e.defaultText ?? null }]),
  );
  ctx.out.result({ command: spec.name, config }, renderConfig(spec.name, entries));
  return Exit.ok;
}
