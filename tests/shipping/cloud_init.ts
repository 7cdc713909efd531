/**
 * The part of cloud-init the README's example uses, done the way cloud-init does it, for the container
 * tests (the test image has no cloud-init): `write_files` (path, content, owner, permissions) are written
 * first, then `runcmd` becomes one shell script — list items shell-quoted, strings verbatim — run by `sh`.
 * Any other top-level key is refused, so the example cannot grow a part the tests do not run.
 */
import { parse } from "yaml";
import type { Container } from "../e2e/harness/container.ts";
import type { ExecResult } from "../support/exec.ts";

interface WriteFile {
  path: string;
  content?: string;
  owner?: string;
  permissions?: string;
}

/** Quotes one word for sh, as cloud-init does for list-form runcmd entries. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** The runcmd script cloud-init would write for `runcmd`. */
export function runcmdScript(runcmd: readonly (string | string[])[]): string {
  const lines = runcmd.map((c) => (Array.isArray(c) ? c.map((w) => shellQuote(String(w))).join(" ") : c));
  return `#!/bin/sh\n${lines.join("\n")}\n`;
}

/**
 * Applies the `#cloud-config` user data `text` inside `ct`: writes its files, then runs its runcmd script
 * with the clean container environment plus `env`; returns the script's result.
 */
export async function runUserData(
  ct: Container,
  text: string,
  env: Record<string, string> = {},
): Promise<ExecResult> {
  if (!text.startsWith("#cloud-config\n")) throw new Error("user data must start with #cloud-config");
  const data = parse(text) as { write_files?: WriteFile[]; runcmd?: (string | string[])[] };
  const unknown = Object.keys(data).filter((k) => k !== "write_files" && k !== "runcmd");
  if (unknown.length > 0) {
    throw new Error(`user data keys the test runner does not do: ${unknown.join(", ")}`);
  }
  for (const f of data.write_files ?? []) {
    await ct.execOk(["mkdir", "-p", f.path.replace(/\/[^/]+$/, "") || "/"]);
    await ct.execOk(["sh", "-c", 'umask 077 && cat > "$1"', "sh", f.path], { input: f.content ?? "" });
    await ct.execOk(["chown", f.owner ?? "root:root", f.path]);
    await ct.execOk(["chmod", f.permissions ?? "0644", f.path]);
  }
  await ct.execOk(["mkdir", "-p", "/var/lib/cloud/instance/scripts"]);
  await ct.execOk([
    "sh",
    "-c",
    'cat > "$1" && chmod 0700 "$1"',
    "sh",
    "/var/lib/cloud/instance/scripts/runcmd",
  ], {
    input: runcmdScript(data.runcmd ?? []),
  });
  return await ct.exec(["sh", "/var/lib/cloud/instance/scripts/runcmd"], { env, timeoutMs: 300_000 });
}
