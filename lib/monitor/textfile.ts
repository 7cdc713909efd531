/**
 * Certificate expiry as Prometheus metrics in the node_exporter textfile format (`*.prom` files node_exporter's
 * textfile collector reads), so alerts fire before a certificate expires even when nobody runs `certs check`.
 * Rendering is pure; the file is written atomically by the caller (a collector never reads half of one).
 */
import * as path from "node:path";
import { EtcdupError, Exit, usageError } from "../errors.ts";
import { HostRoot } from "../host/fs.ts";
import type { CertInspection } from "../pki/inspect.ts";

/** A label value escaped as the exposition format wants (backslash, double quote, newline). */
function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * The metrics of one `certs check`: each certificate's expiry time and problem count, and when it ran.
 * @example certMetrics(certs, new Date()).includes('etcdup_certificate_expiry_timestamp_seconds{role="server"') // true
 */
export function certMetrics(certs: CertInspection[], now: Date): string {
  const id = (c: CertInspection) => `role="${label(c.role)}",path="${label(c.certPath)}"`;
  const lines = [
    "# HELP etcdup_certificate_expiry_timestamp_seconds When the certificate stops being valid (Unix time).",
    "# TYPE etcdup_certificate_expiry_timestamp_seconds gauge",
    ...certs.filter((c) => c.notAfter).map((c) =>
      `etcdup_certificate_expiry_timestamp_seconds{${id(c)}} ${Math.floor(Date.parse(c.notAfter!) / 1000)}`
    ),
    "# HELP etcdup_certificate_problems Problems 'etcdup certs check' found (missing, expiring, bad chain, ...).",
    "# TYPE etcdup_certificate_problems gauge",
    ...certs.map((c) => `etcdup_certificate_problems{${id(c)}} ${c.problems.length}`),
    "# HELP etcdup_certs_check_timestamp_seconds When 'etcdup certs check' wrote this file (Unix time).",
    "# TYPE etcdup_certs_check_timestamp_seconds gauge",
    `etcdup_certs_check_timestamp_seconds ${Math.floor(now.getTime() / 1000)}`,
  ];
  return lines.join("\n") + "\n";
}

/**
 * The metrics of one successful `etcdup backup`: when it finished, and the snapshot's size and revision, which
 * the `EtcdBackupStale` rule of `etcdup alerts` reads.
 * @example backupMetrics({ size: 10, revision: 5 }, new Date(0)).includes("etcdup_backup_last_success_timestamp_seconds 0") // true
 */
export function backupMetrics(snapshot: { size: number; revision: number }, now: Date): string {
  return [
    "# HELP etcdup_backup_last_success_timestamp_seconds When 'etcdup backup' last wrote a verified snapshot (Unix time).",
    "# TYPE etcdup_backup_last_success_timestamp_seconds gauge",
    `etcdup_backup_last_success_timestamp_seconds ${Math.floor(now.getTime() / 1000)}`,
    "# HELP etcdup_backup_last_size_bytes Size of the newest verified snapshot as stored.",
    "# TYPE etcdup_backup_last_size_bytes gauge",
    `etcdup_backup_last_size_bytes ${snapshot.size}`,
    "# HELP etcdup_backup_last_revision etcd revision of the newest verified snapshot.",
    "# TYPE etcdup_backup_last_revision gauge",
    `etcdup_backup_last_revision ${snapshot.revision}`,
  ].join("\n") + "\n";
}

/**
 * The real path of `--prometheus FILE` (a path on this machine, also under --root), checked before anything
 * is done: it must end in .prom and its directory (node_exporter's textfile directory) must exist.
 */
export function textfilePath(file: string): string {
  const real = path.resolve(file);
  if (!real.endsWith(".prom")) {
    throw usageError(
      "bad-textfile",
      `--prometheus: '${file}' does not end in .prom`,
      "node_exporter's textfile collector reads only *.prom files, e.g. /var/lib/prometheus/node-exporter/etcdup.prom.",
    );
  }
  if (new HostRoot("/").stat(path.dirname(real))?.isDirectory !== true) {
    throw new EtcdupError({
      code: "no-textfile-dir",
      message: `--prometheus: the directory ${path.dirname(real)} does not exist`,
      hint: "Give a file in node_exporter's --collector.textfile.directory (create the directory first).",
      exit: Exit.precondition,
    });
  }
  return real;
}

/** Writes the metrics of `certs` to the real path `file` atomically, root 0644. */
export function writeCertMetrics(file: string, certs: CertInspection[], now: Date): void {
  writeTextfile(file, certMetrics(certs, now));
}

/** Writes a rendered textfile to the real path `file` atomically, root 0644 (node_exporter reads it). */
export function writeTextfile(file: string, text: string): void {
  new HostRoot("/").writeAtomic(file, text, { uid: 0, gid: 0, mode: 0o644 });
}
