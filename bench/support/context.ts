/** What every bench receives and returns, so bench/run.ts can run them all the same way. */
import type { Output } from "../../lib/output.ts";
import type { EtcdFixture } from "../../tests/support/etcd_fixtures.ts";
import type { Measurement, Repeat } from "./measure.ts";
import type { Row } from "./report.ts";

/** Shared inputs of a bench run. */
export interface BenchContext {
  /** Smoke mode: few runs and smaller inputs, so CI can prove the bench still works. */
  quick: boolean;
  /** Progress lines (stderr). */
  out: Output;
  /** A temp dir for this run, removed afterwards. */
  workDir: string;
  /** A persistent cache for expensive inputs (synthetic tarballs): `<repo>/.cache/bench`. */
  cacheDir: string;
  /** The real etcd release tarball measured (Debian's etcd packed in the official layout). */
  fixture: EtcdFixture;
  /** An empty Deno program run like etcdup: the runtime's own time and peak RSS, below which etcdup cannot go. */
  floor: Measurement;
  /** Picks the run count: `full` normally, `quick` in smoke mode, with one warm-up run in full mode. */
  times(full: number, quick?: number): Repeat;
}

/** One bench: a name for `--only` and a function measuring its rows. */
export interface Bench {
  /** Short name, e.g. "fetch". */
  name: string;
  /** What it compares, one line. */
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
