/**
 * The words the `certs` dry runs (renew, rotate-ca) share for a planned PKI change: every file written or
 * fixed with its action, and what happens to etcd once they are in place. Pure.
 */
import type { PkiPlan, PlannedFile } from "../../pki/plan.ts";
import type { RestartOptions } from "./put.ts";

/** One file the run writes (`create`, `replace`), only fixes the owner/mode of, or removes (a record). */
export interface PkiChange {
  path: string;
  role: string;
  action: PlannedFile["action"] | "remove";
}

/** The files `pki` writes or fixes, in the order they are planned. */
export function pkiChanges(pki: PkiPlan): PkiChange[] {
  return pki.files.filter((f) => f.action !== "keep").map((f) => ({
    path: f.path,
    role: f.role,
    action: f.action,
  }));
}

/** The file lines of a dry run: each change with its action, and where replaced files are kept. */
export function changeLines(changes: PkiChange[]): string[] {
  if (changes.length === 0) return ["Would write nothing."];
  return [
    "Would write:",
    ...changes.map((c) => `  ${c.action.padEnd(9)} ${c.path}`),
    ...(changes.some((c) => c.action === "replace")
      ? ["(the replaced files kept under <pki-dir>/backup/<UTC time>/)"]
      : []),
  ];
}

/** What the run would do about etcd once the files are in place. */
export function restartLine(o: RestartOptions): string {
  return o["no-restart"]
    ? "etcd is not restarted (--no-restart): restart it to load the new files"
    : "then etcd is restarted, when it runs, and must answer healthy over mTLS with the new admin certificate (else the old files are put back)";
}
