/**
 * The node_exporter textfile metrics (lib/monitor/textfile.ts) rendered from data alone: every line of the
 * certificate and backup metrics, label values escaped as the exposition format wants, and the refusals of a
 * `--prometheus FILE` that is not a `.prom` file or has no directory. promtool and a real Prometheus read the
 * written files in monitoring_test.ts.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { backupMetrics, certMetrics, textfilePath } from "../../lib/monitor/textfile.ts";
import type { CertInspection } from "../../lib/pki/inspect.ts";
import { Exit } from "../../lib/errors.ts";
import { inTempDir, throwsWith } from "../release/helpers.ts";

const NOW = new Date("2026-12-02T06:00:00.900Z"); // 1796191200.9 s: whole seconds, rounded down

function cert(role: CertInspection["role"], certPath: string, more: Partial<CertInspection>): CertInspection {
  return {
    role,
    certPath,
    keyPath: certPath.replace(/\.crt$/, ".key"),
    present: true,
    problems: [],
    ...more,
  };
}

Deno.test("certMetrics: expiry of each present certificate, problems of every one, the run's time", () => {
  const text = certMetrics([
    cert("server", "/etc/etcd/pki/server.crt", { notAfter: "2027-12-02T06:00:00.000Z" }),
    cert('client:a"b\\c', "/etc/etcd/pki/odd\nname.crt", {
      present: false,
      problems: [{ code: "missing", message: "does not exist" }],
    }),
  ], NOW);
  assert.equal(
    text,
    [
      "# HELP etcdup_certificate_expiry_timestamp_seconds When the certificate stops being valid (Unix time).",
      "# TYPE etcdup_certificate_expiry_timestamp_seconds gauge",
      'etcdup_certificate_expiry_timestamp_seconds{role="server",path="/etc/etcd/pki/server.crt"} 1827727200',
      "# HELP etcdup_certificate_problems Problems 'etcdup certs check' found (missing, expiring, bad chain, ...).",
      "# TYPE etcdup_certificate_problems gauge",
      'etcdup_certificate_problems{role="server",path="/etc/etcd/pki/server.crt"} 0',
      'etcdup_certificate_problems{role="client:a\\"b\\\\c",path="/etc/etcd/pki/odd\\nname.crt"} 1',
      "# HELP etcdup_certs_check_timestamp_seconds When 'etcdup certs check' wrote this file (Unix time).",
      "# TYPE etcdup_certs_check_timestamp_seconds gauge",
      "etcdup_certs_check_timestamp_seconds 1796191200",
      "",
    ].join("\n"),
  );
});

Deno.test("backupMetrics: the last success time, size and revision EtcdBackupStale reads", () => {
  const text = backupMetrics({ size: 2_097_152, revision: 41 }, NOW);
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.deepEqual(samples, [
    "etcdup_backup_last_success_timestamp_seconds 1796191200",
    "etcdup_backup_last_size_bytes 2097152",
    "etcdup_backup_last_revision 41",
  ]);
  for (const name of samples.map((s) => s.split(" ")[0])) {
    assert.match(text, new RegExp(`^# HELP ${name} \\S`, "m"));
    assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, "m"));
  }
  assert.ok(text.endsWith("\n"));
});

Deno.test("textfilePath: a .prom file in an existing directory; another name is bad-textfile (2), no directory no-textfile-dir (7)", () =>
  inTempDir((dir) => {
    assert.equal(textfilePath(path.join(dir, "etcdup.prom")), path.join(dir, "etcdup.prom"));
    throwsWith(
      () => textfilePath(path.join(dir, "etcdup.txt")),
      "bad-textfile",
      Exit.usage,
      /does not end in \.prom/,
    );
    throwsWith(
      () => textfilePath(path.join(dir, "missing", "etcdup.prom")),
      "no-textfile-dir",
      Exit.precondition,
      /the directory .*missing does not exist/,
    );
    return Promise.resolve();
  }));
