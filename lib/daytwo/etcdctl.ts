/** Running the installed etcdctl/etcdutl against the local member over mutual TLS. */
import * as path from "node:path";
import type { TlsClient } from "../etcd/health.ts";

/** Output of one tool run. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tool` (etcdctl or etcdutl) from `realBinDir` with `args`; never throws for a non-zero exit. */
export async function runTool(
  realBinDir: string,
  tool: "etcdctl" | "etcdutl",
  args: string[],
): Promise<ToolResult> {
  const out = await new Deno.Command(path.join(realBinDir, tool), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: { ETCDCTL_API: "3", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  }).output();
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
