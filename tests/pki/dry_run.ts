/**
 * The check the `certs` dry-run tests share: run `etcdup certs SUBCOMMAND ... --dry-run --json` in process,
 * then the same without `--dry-run`, on a temp `--root`, and compare the dry run's `changes` with the files
 * whose bytes, owner or mode the run changed (every file under the root read before and after; the backups
 * of replaced files aside) and with the run's own `written` list; the dry run must change nothing at all.
 * openssl verifies every new certificate against the CA file.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { main } from "../../main.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { openssl, type TempRoot } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");

/** Every regular file under `root`, by target path: its sha256 and owner/mode. */
function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(path.join(root, rel))) {
      const p = path.posix.join(rel, e.name);
      if (e.isDirectory) walk(p);
      else if (e.isFile) {
        const st = Deno.statSync(path.join(root, p));
        const sha = createHash("sha256").update(Deno.readFileSync(path.join(root, p))).digest("hex");
        out.set(p, `${sha} ${st.uid}:${st.gid}:${((st.mode ?? 0) & 0o7777).toString(8)}`);
      }
    }
  };
  walk("/");
  return out;
}

/** What an in-process run of etcdup printed and returned. */
export interface Ran {
  code: number;
  /** Its standard output (the human report without --json). */
  stdout: string;
  /** The `--json` result, `{}` when there is none. */
  result: Record<string, unknown>;
  /** The `--json` error's code and exit, when it failed. */
  error?: { code: string; exit: number };
}

/** Runs `etcdup ARGV` in process, capturing its standard output. */
export async function etcdup(argv: string[]): Promise<Ran> {
  const chunks: string[] = [];
  const write = Deno.stdout.writeSync;
  Deno.stdout.writeSync = (b: Uint8Array) => (chunks.push(new TextDecoder().decode(b)), b.length);
  let code: number;
  try {
    code = await main(argv, {});
  } finally {
    Deno.stdout.writeSync = write;
  }
  const stdout = chunks.join("");
  const events = stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const error = events.find((e) => e.event === "error");
  return {
    code,
    stdout,
    result: events.find((e) => e.event === "result")?.result ?? {},
    ...(error ? { error: { code: error.code, exit: error.exit } } : {}),
  };
}

/** Runs `etcdup certs ARGV --root root --json` in process (see {@link etcdup}). */
export function certs(t: TempRoot, argv: string[]): Promise<Ran> {
  return etcdup(["certs", ...argv, "--root", t.root, "--json"]);
}

/** One entry of a dry run's `changes`. */
export interface Change {
  path: string;
  action: string;
}

/**
 * Dry run, then run, of `certs ARGV` (see the module doc; `between` runs after the dry run, to check what it
 * left outside the root); returns the dry run's result and changes.
 */
export async function certsDryRunEqualsApply(
  t: TempRoot,
  argv: string[],
  between?: () => Promise<void>,
): Promise<{ result: Record<string, unknown>; changes: Change[] }> {
  const before = files(t.root);
  const dry = await certs(t, [...argv, "--dry-run"]);
  assert.equal(dry.code, 0, "dry run");
  assert.equal(dry.result.dryRun, true);
  assert.deepEqual(files(t.root), before, "the dry run changed nothing");
  await between?.();
  const run = await certs(t, argv);
  assert.equal(run.code, 0, "run");
  const after = files(t.root);
  const changed = [...new Set([...before.keys(), ...after.keys()])]
    .filter((p) => before.get(p) !== after.get(p) && !p.startsWith(`${P.dir}/backup/`));
  const changes = dry.result.changes as Change[];
  const listed = changes.map((c) => c.path).sort();
  assert.deepEqual(changed.sort(), listed, "the files changed are the dry run's");
  assert.deepEqual(((run.result.written ?? []) as string[]).sort(), listed, "the run's written list");
  for (const c of changes.filter((c) => c.path.endsWith(".crt") && c.action !== "fix-owner")) {
    assert.match(await openssl("verify", "-CAfile", t.host.resolve(P.caCert), t.host.resolve(c.path)), /OK/);
  }
  return { result: dry.result, changes };
}
