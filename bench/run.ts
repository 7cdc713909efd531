/**
 * `deno task bench [--quick] [--only NAME]... [--json]`: measures etcdup against the manual procedure an
 * operator would script (curl, sha256sum, tar, openssl, systemctl) and prints medians, ratios, peak RSS and
 * the machine as one Markdown table (the figures recorded in bench/README.md). `--quick` is CI's smoke
 * mode: few runs, smaller inputs. Targets are reported, never enforced: the exit status is 0 unless a bench
 * broke (a command failed), then 1.
 */
import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { asEtcdupError, EtcdupError, Exit, type ExitCode, usageError } from "../lib/errors.ts";
import { createOutput } from "../lib/cli/output.ts";
import type { Output } from "../lib/output.ts";
import { etcdFixture } from "../tests/support/etcd_fixtures.ts";
import { haveGnuTime, type Measurement, repeat, runCommand } from "./support/measure.ts";
import { machineInfo, renderMachine } from "./support/machine.ts";
import { formatKiB, formatMs, renderTable, type Row, RSS_TARGET_MIB } from "./support/report.ts";
import { RUNTIME_PERMISSIONS } from "../permissions.ts";
import type { Bench, BenchContext } from "./support/context.ts";
import { startupBench } from "./cases/startup.ts";
import { pkiBench } from "./cases/pki.ts";
import { installBench } from "./cases/install.ts";
import { fetchBench } from "./cases/fetch.ts";
import { backupBench } from "./cases/backup.ts";
import { offsiteBench } from "./cases/offsite.ts";

/** Every bench, in report order. */
export const BENCHES: readonly Bench[] = [
  fetchBench,
  pkiBench,
  installBench,
  startupBench,
  backupBench,
  offsiteBench,
];

const REPO = path.resolve(new URL("..", import.meta.url).pathname);

/** Parses the bench's flags; a bad flag is a usage error (exit 2). */
function parseFlags(argv: string[]): { quick?: boolean; only?: string[]; json?: boolean } {
  try {
    return parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean" },
        only: { type: "string", multiple: true },
        json: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw usageError(
      "bad-flag",
      (err as Error).message,
      "Usage: deno task bench [--quick] [--only NAME]... [--json]",
    );
  }
}

/** Runs the benches selected by `argv` and returns the exit status. */
export async function main(argv: string[]): Promise<ExitCode> {
  const out = createOutput({ json: argv.includes("--json") });
  try {
    const values = parseFlags(argv);
    const only = values.only ?? [];
    const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
    if (unknown.length > 0) {
      throw usageError(
        "bad-bench",
        `--only: unknown bench '${unknown[0]}'`,
        `One of: ${BENCHES.map((b) => b.name).join(", ")}.`,
      );
    }
    const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b.name));
    return await runBenches(selected, values.quick ?? false, out);
  } catch (err) {
    out.error(asEtcdupError(err));
    return asEtcdupError(err).exit;
  }
}

/** Runs `selected` in order, prints the table, and returns 1 when any bench broke. */
async function runBenches(selected: readonly Bench[], quick: boolean, out: Output): Promise<ExitCode> {
  if (!haveGnuTime()) out.warn("bench: /usr/bin/time is missing (apt-get install time): no peak RSS figures");
  const cacheDir = path.join(REPO, ".cache", "bench");
  fs.mkdirSync(cacheDir, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "etcdup-bench-"));
  const started = performance.now();
  const rows: Row[] = [];
  let broken = 0;
  try {
    out.step("preparing the etcd release fixture (built once, then cached)");
    const fixture = await etcdFixture("sid");
    const machine = await machineInfo({ etcd: fixture.version });
    const times = (full: number, quickRuns = 2) =>
      quick ? { runs: quickRuns, warmup: 0 } : { runs: full, warmup: 1 };
    const floor = await runtimeFloor(workDir, times(15, 3));
    const ctx: BenchContext = { quick, out, workDir, cacheDir, fixture, floor, times };
    for (const bench of selected) {
      out.step(`${bench.name}: ${bench.title}`);
      try {
        rows.push(...await bench.run(ctx));
      } catch (err) {
        broken++;
        out.error(
          new EtcdupError({
            code: "bench-broken",
            message: `bench ${bench.name} broke: ${asEtcdupError(err).message}`,
            hint: "Something failed to run (not a missed target); ETCDUP_DEBUG=1 prints the stack.",
            cause: err,
          }),
        );
        if (Deno.env.get("ETCDUP_DEBUG") && err instanceof Error) console.error(err.stack);
      }
    }
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const mode = quick
      ? "quick (smoke) mode: few runs, fewer key algorithms; not figures to record"
      : "full mode";
    out.result(
      { mode: quick ? "quick" : "full", machine, floor, rows, seconds: Number(secs), broken },
      [
        `etcdup bench, ${mode}, ${secs} s`,
        renderMachine(machine),
        `runtime floor (an empty Deno program, etcdup's runtime flags): ${formatMs(floor.ms.median)}, ` +
        `peak RSS ${floor.rssKiB ? formatKiB(floor.rssKiB.median) : "not measured"}; ` +
        `target for every etcdup process: peak RSS < ${RSS_TARGET_MIB} MiB`,
        "",
        renderTable(rows),
        "",
      ].join("\n"),
    );
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return broken > 0 ? Exit.failure : Exit.ok;
}

/** An empty module run with etcdup's runtime flags: the floor of every etcdup figure. */
async function runtimeFloor(workDir: string, times: { runs: number; warmup: number }): Promise<Measurement> {
  const empty = path.join(workDir, "empty.ts");
  fs.writeFileSync(empty, "");
  return await repeat(times, () => runCommand([Deno.execPath(), "run", ...RUNTIME_PERMISSIONS, empty]));
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
