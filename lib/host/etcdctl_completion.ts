/**
 * The bash completion the installed etcdctl gives (`etcdctl completion bash`): a host read, since it runs
 * the binary. install's observation (lib/observe/install.ts) reads it when the binaries stay; install and
 * upgrade make it after new binaries are in place (lib/install/completion.ts).
 */
import * as path from "node:path";
import type { ObservedCompletion } from "../files.ts";
import { sha256Hex } from "../hash.ts";
import type { HostRoot } from "./fs.ts";

/** What the completion depends on: `upgrade` passes the new release and the recorded bin dir. */
export interface CompletionPlan {
  release: { native: boolean; arch: string; version: string };
  paths: { binDir: string; completionFile: string };
}

/**
 * Bash completion from the installed etcdctl (root 0644), when it has `completion bash` and can run on this
 * machine; otherwise why there is none.
 */
export async function bashCompletion(plan: CompletionPlan, host: HostRoot): Promise<ObservedCompletion> {
  if (!plan.release.native) return { none: `an ${plan.release.arch} etcdctl cannot run on this machine` };
  const r = await new Deno.Command(host.resolve(path.join(plan.paths.binDir, "etcdctl")), {
    args: ["completion", "bash"],
    stdout: "piped",
    stderr: "null",
  })
    .output().catch(() => undefined);
  const text = r && r.code === 0 ? new TextDecoder().decode(r.stdout) : "";
  if (!text.includes("complete")) {
    return { none: `etcdctl ${plan.release.version} has no 'completion bash' command; none written` };
  }
  return {
    file: {
      path: plan.paths.completionFile,
      content: text,
      sha256: sha256Hex(text),
      uid: 0,
      gid: 0,
      mode: 0o644,
      protectEdits: false,
      readByEtcd: false,
    },
  };
}
