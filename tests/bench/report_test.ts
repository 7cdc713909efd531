/** The bench's statistics and report formatting: medians, ratios, target verdicts, the Markdown table. */
import assert from "node:assert/strict";
import { ratio, summarize } from "../../bench/support/stats.ts";
import {
  formatKiB,
  formatMs,
  formatRatio,
  renderTable,
  type Row,
  verdict,
} from "../../bench/support/report.ts";

const m = (ms: number[], rss?: number[]) => ({ ms: summarize(ms), rssKiB: rss ? summarize(rss) : undefined });

Deno.test("summarize: median of odd and even counts, min, max", () => {
  assert.deepEqual(summarize([3, 1, 2]), { n: 3, median: 2, min: 1, max: 3 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { n: 4, median: 2.5, min: 1, max: 4 });
  assert.throws(() => summarize([]), /no samples/);
});

Deno.test("ratio compares medians, etcdup over manual", () => {
  assert.equal(ratio(summarize([50, 60, 40]), summarize([100, 200, 0])), 0.5);
});

Deno.test("formatting: ms, KiB and ratios", () => {
  assert.equal(formatMs(8.25), "8.3 ms");
  assert.equal(formatMs(85.4), "85 ms");
  assert.equal(formatMs(1234), "1.23 s");
  assert.equal(formatKiB(2048), "2.0 MiB");
  assert.equal(formatRatio(0.4213), "0.42x");
  assert.equal(formatRatio(0.01456), "0.015x");
  assert.equal(formatRatio(1.234), "1.2x");
  assert.equal(formatRatio(25.4), "25x");
});

Deno.test("verdict: ratio and absolute targets, none when there is no target", () => {
  const row = (ours: number, base: number, target?: Row["target"]): Row => ({
    bench: "b",
    case: "c",
    ours: m([ours]),
    baseline: m([base]),
    target,
  });
  assert.equal(verdict(row(110, 100, { maxRatio: 1.2 })), "yes");
  assert.equal(verdict(row(130, 100, { maxRatio: 1.2 })), "NO");
  assert.equal(verdict(row(99, 1000, { maxMs: 100 })), "yes");
  assert.equal(verdict(row(100, 1000, { maxMs: 100 })), "NO");
  assert.equal(verdict(row(1, 1)), "");
  assert.equal(verdict({ bench: "b", case: "c", ours: m([1]), target: { maxRatio: 2 } }), "NO");
  const rss = (kib: number): Row => ({
    bench: "b",
    case: "c",
    ours: m([1], [kib]),
    target: { maxRssMiB: 96 },
  });
  assert.equal(verdict(rss(95 * 1024)), "yes");
  assert.equal(verdict(rss(96 * 1024)), "NO");
  assert.equal(
    verdict({ bench: "b", case: "c", ours: m([1]), target: { maxRssMiB: 96 } }),
    "NO",
    "no figure",
  );
});

Deno.test("renderTable: one Markdown row per case with ratio, RSS, target and verdict", () => {
  const table = renderTable([
    {
      bench: "fetch",
      case: "real",
      ours: m([500, 600, 700], [1024, 2048, 3072]),
      baseline: m([1000], [512]),
      baselineLabel: "curl",
      target: { maxRatio: 1.2 },
    },
    { bench: "pki", case: "p256", ours: m([20]) },
  ]).split("\n");
  assert.equal(table.length, 4);
  assert.match(table[0], /^\| bench \| case \|/);
  assert.equal(
    table[2],
    "| fetch | real | 600 ms (500 ms–700 ms, n=3) | 1.00 s (1.00 s–1.00 s, n=1) — curl | 0.60x | 2.0 MiB | 0.5 MiB | ≤ 1.2x | yes |",
  );
  assert.equal(table[3], "| pki | p256 | 20 ms (20 ms–20 ms, n=1) |  |  |  |  |  |  |");
});
