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
import { renderCaExport } from "../../pki/export.ts";
import { readPkiFile } from "../../pki/files.ts";
import { observeTarget, resolveTarget } from "../../observe/certs.ts";

/** Writes a CA export to the local file `raw` (0600, the caller's), refusing to overwrite unless `force`. */
export function writeExport(raw: string, text: string, force: boolean): string {
  const file = path.resolve(raw);
  const local = new HostRoot("/");
  if (local.stat(file) !== undefined && !force) {
    throw new EtcdupError({
      code: "out-exists",
      message: `--out ${file} already exists`,
      hint: "Pick another path, or pass --force to overwrite it.",
      exit: Exit.precondition,
    });
  }
  if (local.stat(path.dirname(file))?.isDirectory !== true) {
    throw usageError("out-dir-missing", `--out ${file}: directory ${path.dirname(file)} does not exist`);
  }
  local.writeAtomic(file, text, { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0, mode: 0o600 });
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
