/**
 * The CA export file carried between the nodes of a cluster (`etcdup certs export --out FILE`, read by
 * `install --ca-from FILE` and `certs rotate-ca --ca-from FILE`): the CA certificate then its PKCS#8 key,
 * PEM, in one file written 0600; and the CA flags' rules (observe.ts reads the files they name).
 */
import { EtcdupError, Exit } from "../errors.ts";

/** A CA as PEM texts, with the name of where it came from (for messages). */
export interface CaSource {
  certPem: string;
  keyPem: string;
  source: string;
}

/** The export file's text: a header comment, the CA certificate, its key. */
export async function renderCaExport(certPem: string, keyPem: string, now: Date): Promise<string> {
  // Loaded here: install and rotate-ca read CA flags through this module long before they need x509.
  const { certificatePem, parseCertificates, parsePrivateKey, privateKeyPem, signingKey } = await import(
    "./pem.ts"
  );
  const cert = parseCertificates(certPem, "CA certificate")[0];
  const key = await signingKey(parsePrivateKey(keyPem, "CA key"), "CA key");
  return [
    `# etcdup CA export (${cert.subject}, serial ${cert.serialNumber}, valid until ${cert.notAfter.toISOString()})`,
    `# written ${now.toISOString()}. This file holds the CA private key: keep it 0600, delete it once used.`,
    certificatePem(cert) + (await privateKeyPem(key)),
  ].join("\n");
}

/**
 * Splits an export file's text into the CA certificate and key; `where` names the file in errors.
 * @example splitCaExport(Deno.readTextFileSync("ca-export.pem"), "ca-export.pem").keyPem
 */
export function splitCaExport(text: string, where: string): CaSource {
  const cert = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/);
  const key = text.match(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----\r?\n?/);
  if (!cert || !key) {
    throw new EtcdupError({
      code: "bad-ca-export",
      message: `${where}: not an etcdup CA export (it needs a CA certificate and its private key)`,
      hint:
        "Make it with 'etcdup certs export --out FILE' on a node of the cluster, or pass --ca-cert and --ca-key.",
      exit: Exit.usage,
    });
  }
  return { certPem: cert[0], keyPem: key[0], source: where };
}

/**
 * Fails with a usage error (exit 2) when the CA flags do not name one CA: `--ca-from` together with
 * `--ca-cert`/`--ca-key`, or one of `--ca-cert`/`--ca-key` without the other. Reads nothing.
 */
export function checkCaFlags(flags: { caFrom?: string; caCert?: string; caKey?: string }): void {
  if (flags.caFrom && (flags.caCert || flags.caKey)) {
    throw new EtcdupError({
      code: "conflicting-ca",
      message: "--ca-from and --ca-cert/--ca-key cannot be used together",
      hint: "Give the exported CA file, or the certificate and key pair.",
      exit: Exit.usage,
    });
  }
  if (Boolean(flags.caCert) !== Boolean(flags.caKey)) {
    throw new EtcdupError({
      code: "incomplete-ca",
      message: `--${flags.caCert ? "ca-key" : "ca-cert"} is missing`,
      hint: "--ca-cert and --ca-key go together.",
      exit: Exit.usage,
    });
  }
}
