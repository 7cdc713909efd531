/** `etcdup upgrade` (placeholder until its work lands). */
import { EtcdupError } from "../errors.ts";
import type { CommandContext } from "../cli/spec.ts";
import type { ExitCode } from "../errors.ts";

/** Not built yet. */
export function run(_ctx: CommandContext): Promise<ExitCode> {
  return Promise.reject(new EtcdupError({ code: "not-implemented", message: "etcdup upgrade is not built yet" }));
}
