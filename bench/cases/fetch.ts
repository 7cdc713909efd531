/**
 * Fetch + verify + extract of a release served over HTTPS on loopback: etcdup's single streaming pass
 * (sha256 + gunzip + untar while downloading) against `curl -o` + `sha256sum -c` + `tar xzf`
 * (baseline/fetch_verify_extract.sh). Both sides run as subprocesses, so wall time and peak RSS are
 * comparable; the same is measured on a synthetic tarball 4x larger (padding) to show RSS stays flat.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";
import { type Measurement, repeat, runCommand } from "../support/measure.ts";
import type { Bench, BenchContext } from "../support/context.ts";
import { formatRatio, type Row, RSS_TARGET_MIB } from "../support/report.ts";
import { paddedTarball, type Tarball } from "../support/synthetic.ts";
import { serveFiles, startHttpsServer } from "../../tests/support/https_server.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SCRIPT = path.resolve(HERE, "../baseline/fetch_verify_extract.sh");
const DRIVER = path.resolve(HERE, "../drivers/fetch.ts");
/** Size of the synthetic tarball relative to the real one. */
const FACTOR = 4;

/** Runs `argv + [dest]` once per sample with a fresh destination directory. */
function measure(ctx: BenchContext, argv: string[]): Promise<Measurement> {
  return repeat(ctx.times(7, 2), async (i) => {
    const dest = path.join(ctx.workDir, `fetch-${crypto.randomUUID().slice(0, 8)}-${i}`);
    fs.mkdirSync(dest);
    try {
      return await runCommand([...argv, dest]);
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });
}

/** The fetch bench. */
export const fetchBench: Bench = {
  name: "fetch",
  title: "fetch + verify + extract over HTTPS on loopback, single pass vs curl + sha256sum + tar",
  async run(ctx) {
    const fx = ctx.fixture;
    const real: Tarball = { path: fx.tarball, sha256: fx.sha256, bytes: fs.statSync(fx.tarball).size };
    ctx.out.info(`building the ${FACTOR}x synthetic tarball (cached in ${ctx.cacheDir})`);
    const big = await paddedTarball(fx.tarball, FACTOR, ctx.cacheDir);
    const server = await startHttpsServer(serveFiles({
      [`/real/${fx.version}/${path.basename(real.path)}`]: real.path,
      [`/big/${fx.version}/${path.basename(big.path)}`]: big.path,
    }));
    try {
      const rows: Row[] = [];
      let realRss: number | undefined;
      for (const [name, tb] of [["real", real], ["big", big]] as const) {
        const base = `${server.url}/${name}`;
        const url = `${base}/${fx.version}/${path.basename(tb.path)}`;
        const baseline = await measure(ctx, ["sh", SCRIPT, url, tb.sha256, server.caFile]);
        const ours = await measure(ctx, [
          Deno.execPath(),
          "run",
          ...RUNTIME_PERMISSIONS,
          DRIVER,
          base,
          fx.version,
          tb.sha256,
          server.caFile,
        ]);
        const rss = ours.rssKiB?.median;
        if (name === "real") realRss = rss;
        const flat = name === "big" && rss && realRss
          ? `; etcdup RSS vs real: ${formatRatio(rss / realRss)}`
          : "";
        rows.push({
          bench: "fetch+verify+extract",
          case: `${name === "real" ? `etcd ${fx.version}` : `synthetic ${FACTOR}x`} (${
            (tb.bytes / 2 ** 20).toFixed(0)
          } MiB)${flat}`,
          ours,
          baseline,
          baselineLabel: "curl -o + sha256sum -c + tar xzf",
          target: { maxRatio: 1.2, maxRssMiB: RSS_TARGET_MIB },
        });
      }
      return rows;
    } finally {
      await server.close();
    }
  },
};
