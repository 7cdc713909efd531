/** openssl as the independent reader of what etcdup issued. */
import { execOk } from "./exec.ts";

/**
 * The subjectAltName extension of the certificate at `file`, as openssl prints it; throws unless openssl
 * reads the certificate.
 * @example assert.match(await sanText("/etc/etcd/pki/server.crt"), /IP Address:127\.0\.0\.1/);
 */
export function sanText(file: string): Promise<string> {
  return execOk(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", file]);
}
