/**
 * Where the PKI files live for each layout: etcdup's own (`/etc/etcd/pki`) or kubeadm's
 * (`/etc/kubernetes/pki/etcd` plus the API server's client pair one level up).
 */
import * as path from "node:path";
import { usageError } from "../errors.ts";

/** A PKI file layout. */
export type Layout = "etcd" | "kubeadm";

/** Every {@link Layout}, default first. */
export const LAYOUTS: readonly Layout[] = ["etcd", "kubeadm"];

/** Target paths of every certificate and key of a layout. */
export interface PkiPaths {
  /** The directory holding the CA, server, peer and admin files. */
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  peerCert: string;
  peerKey: string;
  /** The client pair etcdctl uses (kubeadm: healthcheck-client). */
  adminCert: string;
  adminKey: string;
  /** kubeadm only: the API server's etcd client pair (`<dir>/../apiserver-etcd-client.{crt,key}`). */
  apiserverClientCert?: string;
  apiserverClientKey?: string;
}

/** The default PKI directory of a layout. */
export function defaultPkiDir(layout: Layout): string {
  return layout === "kubeadm" ? "/etc/kubernetes/pki/etcd" : "/etc/etcd/pki";
}

/** Where replaced PKI files are kept: `<pki dir>/backup/<UTC time>/` (lib/pki/write.ts). */
export function pkiBackupDir(pkiDir: string): string {
  return path.posix.join(pkiDir, "backup");
}

/**
 * Parses a `--layout` value.
 * @example parseLayout("kubeadm") // "kubeadm"
 */
export function parseLayout(s: string): Layout {
  const v = s.trim().toLowerCase() as Layout;
  if (LAYOUTS.includes(v)) return v;
  throw usageError("bad-layout", `--layout: unknown layout '${s}'`, `Use one of: ${LAYOUTS.join(", ")}.`);
}

/**
 * The files of `layout` under `pkiDir` (default {@link defaultPkiDir}).
 * @example pkiPaths("etcd").serverKey // "/etc/etcd/pki/server.key"
 */
export function pkiPaths(layout: Layout, pkiDir?: string): PkiPaths {
  const dir = path.resolve(pkiDir ?? defaultPkiDir(layout));
  const at = (name: string) => path.join(dir, name);
  const admin = layout === "kubeadm" ? "healthcheck-client" : "admin";
  const paths: PkiPaths = {
    dir,
    caCert: at("ca.crt"),
    caKey: at("ca.key"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    peerCert: at("peer.crt"),
    peerKey: at("peer.key"),
    adminCert: at(`${admin}.crt`),
    adminKey: at(`${admin}.key`),
  };
  if (layout === "kubeadm") {
    const parent = path.dirname(dir);
    paths.apiserverClientCert = path.join(parent, "apiserver-etcd-client.crt");
    paths.apiserverClientKey = path.join(parent, "apiserver-etcd-client.key");
  }
  return paths;
}
