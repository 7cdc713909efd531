/** Filling the embedded asset templates: `@NAME@` placeholders, every one required, none left over. */

/**
 * Replaces each `@KEY@` in `template` with `vars[KEY]`; throws if a placeholder has no value or a value
 * is never used (a template and its caller out of step is a bug, caught by the unit tests).
 * @example fillTemplate("ExecStart=@BIN@\n", { BIN: "/usr/local/bin/etcd" })
 */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  const used = new Set<string>();
  const out = template.replace(/@([A-Z_]+)@/g, (_, key: string) => {
    if (!(key in vars)) throw new Error(`internal: template placeholder @${key}@ has no value`);
    used.add(key);
    return vars[key];
  });
  const unused = Object.keys(vars).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`internal: template has no placeholder for ${unused.join(", ")}`);
  return out;
}
