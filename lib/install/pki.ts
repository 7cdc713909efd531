/** The PKI request install and join make from their plan (CA source, SANs, layout) and etcd's ids. */
import type { InstallPlan } from "../plan/types.ts";
import { readCaFlags } from "../pki/export.ts";
import type { PkiRequest } from "../pki/plan.ts";

/** Ids of the etcd account (negative placeholders in a dry run before it exists). */
export interface EtcdIds {
  uid: number;
  gid: number;
}

/**
 * The PKI request of `plan`, with the CA the plan names (`--ca-from`, or `--ca-cert`/`--ca-key`) read in.
 * @example await planPki(pkiRequest(plan, { uid: 998, gid: 998 }), host)
 */
export function pkiRequest(plan: InstallPlan, ids: EtcdIds): PkiRequest {
  const src = plan.pki.caSource;
  const ca = src?.kind === "export"
    ? readCaFlags({ caFrom: src.file })
    : src?.kind === "pair"
    ? readCaFlags({ caCert: src.certFile, caKey: src.keyFile })
    : undefined;
  return {
    layout: plan.pki.layout,
    pkiDir: plan.pki.pkiDir,
    algorithm: plan.pki.algorithm,
    memberName: plan.member.name,
    sans: plan.pki.sans,
    certDays: plan.pki.certDays,
    caDays: plan.pki.caDays,
    ...(ca ? { ca } : {}),
    etcdUid: ids.uid,
    etcdGid: ids.gid,
    now: new Date(),
  };
}
