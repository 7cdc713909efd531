/**
 * From a command's merged raw values to its typed {@link Options} (the type is lib/specs/spec.ts's): each flag's value (or its spec's
 * default) through the spec's rule, once, before the command body runs. Loaded with the body (the rules
 * pull in the planners' validators), never at start-up. It is model, not CLI, because install's flows parse
 * recorded settings with it too (flows may not import the CLI); and in lib/plan/, not lib/specs/, because the
 * rules import lib/plan/'s checks and the planners type against the specs (specs -> plan would be a cycle).
 */
import type { FlagValues } from "../command.ts";
import type { FlagSpec, Options } from "../specs/spec.ts";
import { rules } from "./flag_rules.ts";

/**
 * The options `flags` describe, from `values`: booleans true or false, repeatable flags as arrays (empty
 * when unset), strings as their rule makes them, unset ones as their default or undefined. A string without
 * a rule is trimmed, and a blank one counts as unset (`--mirror ""` is the default mirror): the one place
 * that says so.
 * @example parseOptions({ days: { type: "string", parse: "days", default: "365", description: "" } }, {}) // { days: 365 }
 */
export function parseOptions<Flags extends Record<string, FlagSpec>>(
  flags: Flags,
  values: FlagValues,
): Options<Flags> {
  const options: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(flags)) {
    const given = values[name];
    const blank = !f.parse && typeof given === "string" && given.trim() === "";
    const raw = Object.hasOwn(values, name) && !blank ? given : f.default;
    const one = (s: string): unknown => f.parse ? rules[f.parse](name, s) : s.trim();
    if (f.type === "boolean") options[name] = raw === true;
    else if (Array.isArray(raw)) options[name] = raw.map(one);
    else if (typeof raw === "string") options[name] = f.multiple ? [one(raw)] : one(raw);
    else options[name] = f.multiple ? [] : undefined;
  }
  return options as Options<Flags>;
}
