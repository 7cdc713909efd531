/** The etcdctl bash completion file to write once new binaries are in place (install, upgrade). */
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import type { DesiredFile } from "../files.ts";
import { bashCompletion, type CompletionPlan } from "../host/etcdctl_completion.ts";

/** {@link bashCompletion}'s file, or undefined with why said on `out`. */
export async function completionFile(
  plan: CompletionPlan,
  host: HostRoot,
  out: Output,
): Promise<DesiredFile | undefined> {
  const c = await bashCompletion(plan, host);
  if ("file" in c) return c.file;
  out.info(`bash completion: ${c.none.startsWith("an ") ? `skipped (${c.none})` : c.none}`);
  return undefined;
}
