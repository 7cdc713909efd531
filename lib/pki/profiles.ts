/**
 * What each certificate of a layout is: its role, files, subject, extended key usages, whether it
 * carries the host's SANs, and who owns its key. The etcd layout names the client `admin`; the kubeadm
 * layout uses kubeadm's names and CNs so a kubeadm control plane can use the PKI as external etcd.
 */
import type { Layout, PkiPaths } from "./layout.ts";

/** A leaf certificate's role. */
export type LeafRole = "server" | "peer" | "admin" | "apiserver-client";

/** Every {@link LeafRole}, in issuing order. */
export const LEAF_ROLES: readonly LeafRole[] = ["server", "peer", "admin", "apiserver-client"];

/** An extended key usage etcdup sets. */
export type Usage = "serverAuth" | "clientAuth";

/** How one leaf certificate is made and stored. */
export interface LeafProfile {
  role: LeafRole;
  certPath: string;
  keyPath: string;
  commonName: string;
  organization?: string;
  usages: Usage[];
  /** Whether the certificate carries the host's DNS names and addresses. */
  withSans: boolean;
  /** Who owns the key: etcd reads server and peer keys; client keys stay root's. */
  keyOwner: "etcd" | "root";
}

/** The CA's common name in a layout (`etcd-ca` is kubeadm's). */
export function caCommonName(layout: Layout): string {
  return layout === "kubeadm" ? "etcd-ca" : "etcdup-ca";
}

/**
 * The common name of a CA made by `certs rotate-ca` at `now`: the layout's CA name and the UTC time, e.g.
 * `etcdup-ca 20261201T215720Z`. During a rotation the CA file trusts the old and the new CA; a CA made by
 * an older etcdup has no AuthorityKeyIdentifier, and OpenSSL and GnuTLS then tell two CAs apart by subject
 * only, so the new one must not share the old one's.
 */
export function rotatedCaCommonName(layout: Layout, now: Date): string {
  return `${caCommonName(layout)} ${now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "")}`;
}

/**
 * The leaf certificates of `layout` for member `memberName`. Server and peer certificates carry both
 * serverAuth and clientAuth: etcd's gRPC gateway presents the server certificate as a client, and peers
 * dial each other with the peer certificate.
 * @example leafProfiles("etcd", pkiPaths("etcd"), "node1").map((p) => p.role) // ["server", "peer", "admin"]
 */
export function leafProfiles(layout: Layout, paths: PkiPaths, memberName: string): LeafProfile[] {
  const both: Usage[] = ["serverAuth", "clientAuth"];
  const profiles: LeafProfile[] = [
    {
      role: "server",
      certPath: paths.serverCert,
      keyPath: paths.serverKey,
      commonName: memberName,
      usages: both,
      withSans: true,
      keyOwner: "etcd",
    },
    {
      role: "peer",
      certPath: paths.peerCert,
      keyPath: paths.peerKey,
      commonName: memberName,
      usages: both,
      withSans: true,
      keyOwner: "etcd",
    },
    {
      role: "admin",
      certPath: paths.adminCert,
      keyPath: paths.adminKey,
      commonName: layout === "kubeadm" ? "kube-etcd-healthcheck-client" : "admin",
      ...(layout === "kubeadm" ? { organization: "system:masters" } : {}),
      usages: ["clientAuth"],
      withSans: false,
      keyOwner: "root",
    },
  ];
  if (paths.apiserverClientCert && paths.apiserverClientKey) {
    profiles.push({
      role: "apiserver-client",
      certPath: paths.apiserverClientCert,
      keyPath: paths.apiserverClientKey,
      commonName: "kube-apiserver-etcd-client",
      organization: "system:masters",
      usages: ["clientAuth"],
      withSans: false,
      keyOwner: "root",
    });
  }
  return profiles;
}
