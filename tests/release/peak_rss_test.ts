/**
 * Issue 17's bound as a test: `etcdup install --root R --tarball T --sha256 S --no-start`, the whole process
 * run exactly as shipped (tests/shipping/etcdup_cmd.ts: the compiled binary, or `deno run` with its runtime
 * flags), peaks under 96 MiB of resident memory (GNU time's %M) on the real fixture release and on the
 * bench's synthetic release 4x its size, and the 4x one costs at most a few MiB more: the install streams.
 * Each figure is the smaller of two runs (tests/support/peak_rss.ts). The same holds for `install --mirror`
 * and `etcdup download` from a loopback HTTPS mirror (tests/support/https_server.ts), and `etcdup upgrade
 * --root` from the real 3.4 fixture to the 3.5 one and `certs renew --root` keep the bound too. The commands
 * run beside a live etcd (backup, restore, maintain) are in peak_rss_live_test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { etcdFixture } from "../support/etcd_fixtures.ts";
import { REPO } from "../shipping/etcdup_cmd.ts";
import { paddedTarball } from "../../bench/support/synthetic.ts";
import { RSS_TARGET_MIB } from "../../bench/support/report.ts";
import { serveFiles, startHttpsServer } from "../support/https_server.ts";
import { etcdupPeakMiB, installedRoot, lowerOfTwo, skipWithoutGnuTime } from "../support/peak_rss.ts";
import { inTempDir } from "./helpers.ts";

/** How much more the 4x release may cost than the real one. */
const FLAT_SLACK_MIB = 6;

/**
 * How much more a download of the 4x release may cost: measured +6..11 MiB, the HTTP client's buffers
 * (Deno's fetch) not yet collected; not flat to a few MiB like the file path.
 */
const DOWNLOAD_SLACK_MIB = 14;

/** Peak RSS (MiB) of one `etcdup install --root` (source flags `from`) into a fresh root under `work`. */
function installPeakMiB(work: string, from: string[]): Promise<number> {
  const root = fs.mkdtempSync(path.join(work, "root-"));
  return etcdupPeakMiB(work, ["install", "--root", root, ...from, "--no-start"], root);
}

/** A loopback HTTPS mirror of the real and the 4x release. */
interface Mirror {
  /** The source flags of the real or the 4x release (`--mirror`, `--mirror-ca`, `--version`). */
  flags: (base: "real" | "big") => string[];
  version: string;
  sha256: string;
  bigSha256: string;
}

/** The real and the 4x release served under `/real` and `/big` on a loopback HTTPS mirror, for `fn`. */
async function withMirror(fn: (m: Mirror) => Promise<void>): Promise<void> {
  const fx = await etcdFixture("sid");
  const big = await paddedTarball(fx.tarball, 4, path.join(REPO, ".cache", "bench"));
  const name = `etcd-${fx.version}-linux-amd64.tar.gz`;
  const server = await startHttpsServer(serveFiles({
    [`/real/${fx.version}/${name}`]: fx.tarball,
    [`/big/${fx.version}/${name}`]: big.path,
  }));
  const mirror = ["--mirror-ca", server.caFile, "--version", fx.version];
  try {
    await fn({
      flags: (base) => ["--mirror", `${server.url}/${base}`, ...mirror],
      version: fx.version,
      sha256: fx.sha256,
      bigSha256: big.sha256,
    });
  } finally {
    await server.close();
  }
}

Deno.test(`install from a cached tarball peaks under ${RSS_TARGET_MIB} MiB, flat in the tarball's size`, async () => {
  if (skipWithoutGnuTime()) return;
  const fx = await etcdFixture("sid");
  const big = await paddedTarball(fx.tarball, 4, path.join(REPO, ".cache", "bench"));
  await inTempDir(async (work) => {
    const peak = (t: string, s: string) =>
      lowerOfTwo(() => installPeakMiB(work, ["--tarball", t, "--sha256", s]));
    const real = await peak(fx.tarball, fx.sha256);
    const large = await peak(big.path, big.sha256);
    console.log(`peak RSS: ${real.toFixed(1)} MiB (${fx.version}), ${large.toFixed(1)} MiB (4x synthetic)`);
    assert.ok(real < RSS_TARGET_MIB, `install peaked at ${real.toFixed(1)} MiB`);
    assert.ok(large < RSS_TARGET_MIB, `install of the 4x release peaked at ${large.toFixed(1)} MiB`);
    assert.ok(large - real < FLAT_SLACK_MIB, `the 4x release cost ${(large - real).toFixed(1)} MiB more`);
  }, "etcdup-peak-");
});

Deno.test(`install from an HTTPS mirror peaks under ${RSS_TARGET_MIB} MiB (x509 loads after the download), real and 4x`, async () => {
  if (skipWithoutGnuTime()) return;
  await withMirror(async (m) => {
    await inTempDir(async (work) => {
      const peak = (base: "real" | "big", s: string) =>
        lowerOfTwo(() => installPeakMiB(work, [...m.flags(base), "--sha256", s]));
      const real = await peak("real", m.sha256);
      const large = await peak("big", m.bigSha256);
      console.log(
        `install --mirror peak RSS: ${real.toFixed(1)} MiB (${m.version}), ${
          large.toFixed(1)
        } MiB (4x synthetic)`,
      );
      assert.ok(real < RSS_TARGET_MIB, `install --mirror peaked at ${real.toFixed(1)} MiB`);
      assert.ok(
        large < RSS_TARGET_MIB,
        `install --mirror of the 4x release peaked at ${large.toFixed(1)} MiB`,
      );
      assert.ok(
        large - real < DOWNLOAD_SLACK_MIB,
        `the 4x release cost ${(large - real).toFixed(1)} MiB more`,
      );
    }, "etcdup-peak-mirror-");
  });
});

Deno.test(`download from an HTTPS mirror peaks under ${RSS_TARGET_MIB} MiB, for the real and the 4x release`, async () => {
  if (skipWithoutGnuTime()) return;
  await withMirror(async (m) => {
    await inTempDir(async (work) => {
      const once = (base: "real" | "big", sha256: string) => {
        const out = fs.mkdtempSync(path.join(work, "bundle-"));
        return etcdupPeakMiB(work, ["download", "--output", out, ...m.flags(base), "--sha256", sha256], out);
      };
      const real = await lowerOfTwo(() => once("real", m.sha256));
      const large = await lowerOfTwo(() => once("big", m.bigSha256));
      console.log(
        `download peak RSS: ${real.toFixed(1)} MiB (${m.version}), ${large.toFixed(1)} MiB (4x synthetic)`,
      );
      assert.ok(real < RSS_TARGET_MIB, `download peaked at ${real.toFixed(1)} MiB`);
      assert.ok(large < RSS_TARGET_MIB, `download of the 4x release peaked at ${large.toFixed(1)} MiB`);
      assert.ok(
        large - real < DOWNLOAD_SLACK_MIB,
        `the 4x release cost ${(large - real).toFixed(1)} MiB more`,
      );
    }, "etcdup-peak-dl-");
  });
});

Deno.test(`upgrade --root 3.4 -> 3.5 peaks under ${RSS_TARGET_MIB} MiB (old binaries kept and new ones placed in chunks)`, async () => {
  if (skipWithoutGnuTime()) return;
  const [old, next] = [await etcdFixture("bookworm"), await etcdFixture("sid")];
  await inTempDir(async (work) => {
    const peak = await lowerOfTwo(async () => {
      const root = await installedRoot(work, old);
      const upgrade = ["upgrade", "--root", root, "--tarball", next.tarball, "--sha256", next.sha256];
      return await etcdupPeakMiB(work, upgrade, root);
    });
    console.log(`upgrade peak RSS: ${peak.toFixed(1)} MiB (${old.version} -> ${next.version})`);
    assert.ok(peak < RSS_TARGET_MIB, `upgrade peaked at ${peak.toFixed(1)} MiB`);
  }, "etcdup-peak-up-");
});

Deno.test(`certs renew --root peaks under ${RSS_TARGET_MIB} MiB (the timers run it beside etcd)`, async () => {
  if (skipWithoutGnuTime()) return;
  const fx = await etcdFixture("sid");
  await inTempDir(async (work) => {
    const peak = await lowerOfTwo(async () => {
      const root = await installedRoot(work, fx);
      return await etcdupPeakMiB(work, ["certs", "renew", "--root", root], root);
    });
    console.log(`certs renew peak RSS: ${peak.toFixed(1)} MiB`);
    assert.ok(peak < RSS_TARGET_MIB, `certs renew peaked at ${peak.toFixed(1)} MiB`);
  }, "etcdup-peak-renew-");
});
