/**
 * Running a real `etcdup install --root` as a subprocess (`deno run main.ts`, like the install tests) and
 * describing the tree it leaves: every path with its type, owner, mode and link target, plus whether
 * each key/certificate pair of the PKI matches. Two trees compare equal when they differ only in content
 * that is random or timestamped (keys, serials, times).
 */
import * as path from "node:path";
import { createHash } from "node:crypto";
import { exec, type ExecResult } from "./exec.ts";
import { type EtcdFixture, etcdFixture } from "./etcd_fixtures.ts";
import { keyMatches } from "../../lib/pki/match.ts";
import { parseCertificates, parsePrivateKey } from "../../lib/pki/pem.ts";

/** Real path of main.ts. */
export const MAIN = path.resolve(new URL("../../main.ts", import.meta.url).pathname);

/** The argv of `etcdup ARGS` run from source, with a prefix (e.g. strace) before it. */
export function etcdupArgv(args: string[], prefix: string[] = []): string[] {
  return [...prefix, Deno.execPath(), "run", "-A", "--no-lock", MAIN, ...args];
}

/** Runs `etcdup ARGS` (NO_COLOR, no package.json lookup), optionally under `prefix`. */
export function runEtcdup(args: string[], prefix: string[] = [], timeoutMs = 120_000): Promise<ExecResult> {
  return exec(etcdupArgv(args, prefix), { env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1" }, timeoutMs });
}

/** `install --root ROOT --tarball T --sha256 S --no-start` of fixture `fx`, then `extra`. */
export function installArgs(root: string, fx: EtcdFixture, ...extra: string[]): string[] {
  return ["install", "--root", root, "--tarball", fx.tarball, "--sha256", fx.sha256, "--no-start", ...extra];
}

/** Runs `body` with a fresh temp dir (removed afterwards) and the `sid` fixture. */
export async function withBase(prefix: string, body: (base: string, fx: EtcdFixture) => Promise<void>) {
  const fx = await etcdFixture("sid");
  const base = await Deno.makeTempDir({ prefix });
  try {
    await body(base, fx);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** The last line of `--json` output, parsed. */
export function lastJson(stdout: string): { event: string; code?: string; exit?: number; result?: unknown } {
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

/** One path of a tree: `<type> <uid>:<gid> <mode>[ -> target]`. */
export type Tree = Record<string, string>;

/** Every path under `root` (relative, with a leading /) described by type, owner, mode and link target. */
export function treeOf(root: string): Tree {
  const out: Tree = {};
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(path.join(root, rel))) {
      const p = path.posix.join(rel, e.name);
      const st = Deno.lstatSync(path.join(root, p));
      const kind = st.isSymlink ? "link" : st.isDirectory ? "dir" : st.isFile ? "file" : "other";
      const mode = ((st.mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
      out[p] = `${kind} ${st.uid}:${st.gid} ${mode}` +
        (st.isSymlink ? ` -> ${Deno.readLinkSync(path.join(root, p))}` : "");
      if (st.isDirectory) walk(p);
    }
  };
  walk("/");
  return out;
}

/**
 * Every path under `root` as {@link treeOf} describes it, with each regular file's content digest and, with
 * `inode`, its inode (so a file replaced by a rename shows as changed even with the same bytes).
 */
export function treeDigests(root: string, opts: { inode?: boolean } = {}): Map<string, string> {
  return new Map(
    Object.entries(treeOf(root)).map(([p, desc]) => {
      const real = path.join(root, p);
      const digest = desc.startsWith("file ")
        ? createHash("sha256").update(Deno.readFileSync(real)).digest("hex")
        : "";
      return [p, `${desc}${opts.inode ? ` ${Deno.lstatSync(real).ino}` : ""} ${digest}`];
    }),
  );
}

/** The `.crt` files under `root` whose `.key` beside them is not their private key. */
export function mismatchedPairs(root: string, tree: Tree): string[] {
  const bad: string[] = [];
  for (const p of Object.keys(tree)) {
    if (!p.endsWith(".crt") || p.includes("/backup/")) continue;
    const keyPath = p.replace(/\.crt$/, ".key");
    if (!tree[keyPath]) continue;
    const cert = parseCertificates(Deno.readTextFileSync(path.join(root, p)), p)[0];
    const key = parsePrivateKey(Deno.readTextFileSync(path.join(root, keyPath)), keyPath);
    if (!keyMatches(cert, key)) bad.push(p);
  }
  return bad;
}
