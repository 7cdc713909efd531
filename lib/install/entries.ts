/** The file lines install shows, in its dry run and in its result: PKI files and configuration files. */
import { NEW_SUFFIX } from "../host/apply.ts";
import type { FileDecision } from "../files.ts";
import { modeString, ownerName, type ViewEntry } from "../plan/render.ts";
import { ownerLabel } from "../pki/files.ts";
import type { PkiPlan } from "../pki/plan.ts";
import type { EtcdIds } from "./pki.ts";

/** View entries of PKI files (their owners by name: root, etcd). */
export function pkiEntries(pki: PkiPlan): ViewEntry[] {
  return pki.files.map((f) => ({
    path: f.path,
    owner: ownerLabel(f.owner),
    mode: modeString(f.mode),
    action: f.action,
    note: f.role,
  }));
}

/** View entries of config files; a file the operator edited says where etcdup's version went. */
export function configEntries(decisions: FileDecision[], ids: EtcdIds): ViewEntry[] {
  return decisions.map(({ file, action }) => ({
    path: file.path,
    owner: ownerName(file.uid, file.gid, ids),
    mode: modeString(file.mode),
    action,
    ...(action === "keep-edited"
      ? { note: `edited by you: kept; etcdup's version in ${file.path}${NEW_SUFFIX}` }
      : {}),
  }));
}
