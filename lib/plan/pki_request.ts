/**
 * What install and join ask the PKI planner (lib/pki/plan.ts) for, from their plan: layout, SANs, lifetimes,
 * and the CA the plan names, read in by the observation (lib/observe/install.ts). Pure.
 */
import type { CaSource } from "../pki/export.ts";
import type { PkiRequest } from "../pki/types.ts";
import type { InstallPlan } from "./types.ts";

/**
 * The PKI request of `plan` at `now`, with `ca` the contents of the CA files `plan.pki.caSource` names
 * (undefined: etcdup makes the CA, or keeps the one installed).
 * @example installPkiRequest(plan, undefined, new Date()).memberName // plan.member.name
 */
export function installPkiRequest(plan: InstallPlan, ca: CaSource | undefined, now: Date): PkiRequest {
  return {
    layout: plan.pki.layout,
    pkiDir: plan.pki.pkiDir,
    algorithm: plan.pki.algorithm,
    memberName: plan.member.name,
    sans: plan.pki.sans,
    certDays: plan.pki.certDays,
    caDays: plan.pki.caDays,
    ...(ca ? { ca } : {}),
    now,
  };
}
