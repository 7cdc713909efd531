/** Running the installed etcdctl/etcdutl against the local member over mutual TLS. */
import * as path from "node:path";
import type { TlsClient } from "../etcd/admin_client.ts";
import { EtcdupError, Exit } from "../errors.ts";

/** Output of one tool run. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tool` (etcdctl or etcdutl) from `realBinDir` with `args`; never throws for a non-zero exit. A tool
 * that is missing or cannot be run (removed by hand, not executable) is `etcd-tool-missing` (exit 7), not
 * an internal error.
 */
export async function runTool(
  realBinDir: string,
  tool: "etcdctl" | "etcdutl",
  args: string[],
): Promise<ToolResult> {
  const bin = path.join(realBinDir, tool);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(bin, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: { ETCDCTL_API: "3", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    }).output();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied)) throw err;
    throw new EtcdupError({
      code: "etcd-tool-missing",
      message: `cannot run ${bin}: ${(err as Error).message}`,
      hint:
        "etcdup installed it with etcd; re-run 'etcdup install' (it puts back what is missing), then retry.",
      exit: Exit.precondition,
      cause: err,
    });
  }
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** etcdctl's connection flags for the first endpoint of `client`. */
export function connectionFlags(client: TlsClient): string[] {
  return [
    `--endpoints=${client.endpoints[0]}`,
    `--cacert=${client.caFile}`,
    `--cert=${client.certFile}`,
    `--key=${client.keyFile}`,
  ];
}
