/**
 * The whole PKI the way `etcdup install` issues it, for timing in process: a CA and the kubeadm layout's
 * four leaves (server, peer, healthcheck client, API server client), every key exported as PKCS#8 PEM
 * and every certificate as PEM. No files are written: the openssl baseline's file writes are noise next
 * to its key generation.
 */
import { generateKeyPair, type KeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { issueCa, issueLeaf, validity } from "../../lib/pki/issue.ts";
import { caCommonName, leafProfiles } from "../../lib/pki/profiles.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { certificatePem, privateKeyPem } from "../../lib/pki/pem.ts";

/**
 * Issues the CA and four leaves with keys of `alg`; returns the PEM texts by file path.
 * @example const files = await issueWholePki("ecdsa-p256"); // 10 entries
 */
export async function issueWholePki(alg: KeyAlgorithm): Promise<Map<string, string>> {
  const now = new Date();
  const paths = pkiPaths("kubeadm");
  const caKeys = await generateKeyPair(alg);
  const caCert = await issueCa({
    commonName: caCommonName("kubeadm"),
    keys: caKeys,
    algorithm: alg,
    validity: validity(now, 3650),
  });
  const files = new Map<string, string>([
    [paths.caCert, certificatePem(caCert)],
    [paths.caKey, await privateKeyPem(caKeys.privateKey)],
  ]);
  const ca = { cert: caCert, key: caKeys.privateKey, algorithm: alg };
  for (const profile of leafProfiles("kubeadm", paths, "node1")) {
    const keys = await generateKeyPair(alg);
    const cert = await issueLeaf({
      commonName: profile.commonName,
      organization: profile.organization,
      usages: profile.usages,
      sans: profile.withSans
        ? { dns: ["localhost", "node1"], ips: ["127.0.0.1", "10.0.0.1"] }
        : { dns: [], ips: [] },
      publicKey: keys.publicKey,
      keyAlgorithm: alg,
      ca,
      validity: validity(now, 365),
    });
    files.set(profile.certPath, certificatePem(cert));
    files.set(profile.keyPath, await privateKeyPem(keys.privateKey));
  }
  return files;
}
