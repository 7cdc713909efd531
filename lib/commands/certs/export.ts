/**
 * `etcdup certs export --out FILE`: the CA certificate and key in one 0600 file for `install --ca-from`
 * on other nodes; also the writer of `rotate-ca --stage --out`.
 */
import * as path from "node:path";
import type { ContextOf } from "../../specs/spec.ts";
import type { exportFlags } from "../../specs/certs.ts";
import { EtcdupError, Exit, type ExitCode, usageError } from "../../errors.ts";
import { HostRoot } from "../../host/fs.ts";
import { loadCaAt } from "../../pki/ca.ts";
import { type CaSource, renderCaExport } from "../../pki/export.ts";
import { readCaFlags } from "../../pki/observe.ts";
import { readPkiFile } from "../../pki/files.ts";
import { observeTarget, resolveTarget } from "../../observe/certs.ts";

/**
 * The local file `raw` a CA export may go to (resolved), or the refusal the write would give: it exists
 * (`out-exists`, exit 7; `force` overwrites a regular file), it is a directory, a symbolic link or a file with
 * other hard links (`out-unsafe`, exit 7, even with `force`: the export holds the CA key, written through a
 * link it would land elsewhere), its directory is missing (`out-dir-missing`, exit 2) or others may replace
 * entries in it (`out-unsafe`: group/other-writable without the sticky bit). A dry run asks this too, so it
 * refuses exactly as the run does.
 */
export function exportTarget(raw: string, force: boolean): string {
  const file = path.resolve(raw);
  const local = new HostRoot("/");
  const unsafe = (why: string) =>
    new EtcdupError({
      code: "out-unsafe",
      message: `--out ${file}: ${why}; the export holds the CA key`,
      hint: "Give --out a new file in a directory only root (or you) can write.",
      exit: Exit.precondition,
    });
  const st = local.stat(file);
  if (st && (st.isSymlink || st.isDirectory || !st.isFile || st.links > 1)) {
    const what = st.isSymlink
      ? "a symbolic link"
      : st.isDirectory
      ? "a directory"
      : st.isFile
      ? `a file with ${st.links} hard links`
      : "not a regular file";
    throw unsafe(`it is ${what}`);
  }
  if (st && !force) {
    throw new EtcdupError({
      code: "out-exists",
      message: `--out ${file} already exists`,
      hint: "Pick another path, or pass --force to overwrite it.",
      exit: Exit.precondition,
    });
  }
  const dir = local.stat(path.dirname(file));
  if (dir?.isDirectory !== true) {
    throw usageError("out-dir-missing", `--out ${file}: directory ${path.dirname(file)} does not exist`);
  }
  if ((dir.mode & 0o022) !== 0 && (dir.mode & 0o1000) === 0) {
    throw unsafe(`others may replace files in ${path.dirname(file)} (mode ${dir.mode.toString(8)})`);
  }
  return file;
}

/** The CA export at the local path `file` when it is a regular file there (a stage's own, kept), else undefined. */
export function keptExport(file: string): CaSource | undefined {
  return new HostRoot("/").stat(file)?.isFile ? readCaFlags({ caFrom: file }) : undefined;
}

/** Writes a CA export to the local file `raw` (0600, the caller's) once {@link exportTarget} allows it. */
export function writeExport(raw: string, text: string, force: boolean): string {
  const file = exportTarget(raw, force);
  new HostRoot("/").writeAtomic(file, text, { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0, mode: 0o600 });
  return file;
}

/** Runs `certs export`. */
export async function run(ctx: ContextOf<typeof exportFlags>): Promise<ExitCode> {
  const { options } = ctx;
  const raw = options.out;
  if (!raw) {
    throw usageError(
      "missing-out",
      "etcdup certs export: --out FILE is required",
      "e.g. --out /root/etcd-ca.pem",
    );
  }
  const t = resolveTarget(options);
  const now = new Date();
  const observed = observeTarget(t);
  await loadCaAt(observed, t.paths, now);
  const text = await renderCaExport(
    readPkiFile(observed, t.paths.caCert)!,
    readPkiFile(observed, t.paths.caKey)!,
    now,
  );
  const file = writeExport(raw, text, options.force);
  ctx.out.result(
    { file, mode: "0600" },
    `CA exported to ${file} (0600). It holds the CA private key: copy it securely, then delete it.\n` +
      `On another node: etcdup install --ca-from ${path.basename(file)}`,
  );
  return Exit.ok;
}
