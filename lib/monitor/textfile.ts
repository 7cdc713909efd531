/**
 * Certificate expiry as Prometheus metrics in the node_exporter textfile format (`*.prom` files node_exporter's
 * textfile collector reads), so alerts fire before a certificate expires even when nobody runs `certs check`.
 * Rendering is pure; the file is written atomically by the caller (a collector never reads half of one).
 */
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
