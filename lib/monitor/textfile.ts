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
  new HostRoot("/").writeAtomic(file, certMetrics(certs, now), { uid: 0, gid: 0, mode: 0o644 });
}
