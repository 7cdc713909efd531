/**
 * CLI start-up: `etcdup --help` and `--version` wall time as `deno run` with the runtime permissions of
 * permissions.ts, and as the compiled binary when there is one (`ETCDUP_BIN`, else dist/). The floor is the same
 * runtime running an empty module, so the ratio is what etcdup's own module graph costs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";
import { repeat, runCommand } from "../support/measure.ts";
import type { Bench } from "../support/context.ts";
import { type Row, RSS_TARGET_MIB } from "../support/report.ts";

const REPO = path.resolve(new URL("../..", import.meta.url).pathname);

/**
 * The compiled binary to measure: `ETCDUP_BIN` when set (as in the e2e suite), else dist/'s binary for this
 * machine's architecture when `deno task build` has made one.
 */
export function compiledBinary(): string | undefined {
  const named = Deno.env.get("ETCDUP_BIN");
  if (named) return path.resolve(named);
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "amd64";
  const bin = path.join(REPO, "dist", `etcdup-linux-${arch}`);
  return fs.existsSync(bin) ? bin : undefined;
}

/** `deno run` argv for etcdup from source, with the permissions the binary is compiled with. */
export function denoRunArgv(): string[] {
  return [Deno.execPath(), "run", ...RUNTIME_PERMISSIONS, path.join(REPO, "main.ts")];
}

/** The start-up bench. */
export const startupBench: Bench = {
  name: "startup",
  title: "CLI start-up: etcdup --help / --version",
  async run(ctx) {
    const times = ctx.times(15, 3);
    const floor = ctx.floor;
    const label = "deno run of an empty module (runtime floor)";
    const rows: Row[] = [];
    const variants: [string, string[]][] = [["deno run main.ts", denoRunArgv()]];
    const bin = compiledBinary();
    if (bin) variants.push([`compiled ${path.basename(bin)}`, [bin]]);
    else {ctx.out.warn(
        "startup: no compiled binary (ETCDUP_BIN unset, no dist/etcdup-linux-*; 'deno task build' makes one); measuring deno run only",
      );}
    for (const [how, argv] of variants) {
      for (const flag of ["--help", "--version"]) {
        const ours = await repeat(times, () => runCommand([...argv, flag]));
        rows.push({
          bench: "start-up",
          case: `${how} ${flag}`,
          ours,
          baseline: floor,
          baselineLabel: label,
          target: { maxRssMiB: RSS_TARGET_MIB },
        });
      }
    }
    return rows;
  },
};
