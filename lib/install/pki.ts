/** The PKI request install and join make from their plan and flags (CA source, SANs, layout, etcd's ids). */
import type { CommandContext } from "../cli/spec.ts";
import type { InstallPlan } from "../plan/types.ts";
import { readCaFlags } from "../pki/export.ts";
import type { PkiRequest } from "../pki/plan.ts";

/** Ids of the etcd account (negative placeholders in a dry run before it exists). */
export interface EtcdIds {
  uid: number;
  gid: number;
}

/**
 * The PKI request of `plan`, with the CA of `--ca-from` or `--ca-cert`/`--ca-key` when given.
 * @example await planPki(pkiRequest(plan, { uid: 998, gid: 998 }, ctx.values), host)
 */
export function pkiRequest(plan: InstallPlan, ids: EtcdIds, values: CommandContext["values"]): PkiRequest {
  const s = (k: string) => (typeof values[k] === "string" ? values[k] as string : undefined);
  const ca = readCaFlags({ caFrom: s("ca-from"), caCert: s("ca-cert"), caKey: s("ca-key") });
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
