/**
 * The whole install from a cached release tarball, etcdup against the seed's manual steps
 * (baseline/install_manual.sh):
 * - into a `--root` prefix with `--no-start` (no systemd): wall time and peak RSS;
 * - inside a fresh systemd container (its own network namespace), up to a healthy etcd over mutual TLS:
 *   wall time of the install command alone (boot and teardown are not timed), and its peak RSS from the
 *   host's GNU time bound into the container. etcdup runs as the e2e suite runs it (`ETCDUP_BIN` binary,
 *   else `deno run` of the source).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { repeat, runCommand, type Sample } from "../support/measure.ts";
import { check, gnuTimeBinds, timedIn } from "../support/container_time.ts";
import type { Bench, BenchContext } from "../support/context.ts";
import { type Row, RSS_TARGET_MIB } from "../support/report.ts";
import { compiledBinary, denoRunArgv } from "./startup.ts";
import { Container } from "../../tests/e2e/harness/container.ts";
import { Network } from "../../tests/e2e/harness/network.ts";
import { etcdupUnderTest } from "../../tests/e2e/harness/etcdup.ts";

const BASELINE = path.resolve(new URL("../baseline", import.meta.url).pathname);
const MANUAL = path.join(BASELINE, "install_manual.sh");
const MANUAL_LABEL = "manual steps: sha256sum, tar, install, openssl seed PKI, unit + env file";

/** Files both sides must have written into the prefix (the defaults of etcdup and of the manual steps). */
const EXPECTED = [
  "usr/local/bin/etcd",
  "usr/local/bin/etcdctl",
  "usr/local/bin/etcdutl",
  "etc/etcd/pki/ca.crt",
  "etc/etcd/pki/server.key",
  "etc/etcd/pki/peer.crt",
  "etc/systemd/system/etcd.service",
  "etc/default/etcd",
];

/**
 * Runs `install` (given a fresh empty prefix) once per sample, checks it wrote the whole install, and
 * removes the prefix afterwards.
 */
function intoRoot(ctx: BenchContext, what: string, install: (root: string) => Promise<Sample>) {
  return repeat(ctx.times(7, 2), async (i) => {
    const root = path.join(ctx.workDir, `root-${crypto.randomUUID().slice(0, 8)}-${i}`);
    fs.mkdirSync(root);
    try {
      const sample = await install(root);
      const missing = EXPECTED.filter((f) => !fs.existsSync(path.join(root, f)));
      if (missing.length > 0) throw new Error(`${what} left out ${missing.join(", ")} under ${root}`);
      return sample;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}

async function rootRows(ctx: BenchContext): Promise<Row[]> {
  const fx = ctx.fixture;
  const size = `${(fs.statSync(fx.tarball).size / 2 ** 20).toFixed(0)} MiB`;
  const baseline = await intoRoot(
    ctx,
    "install_manual.sh",
    (root) => runCommand(["sh", MANUAL, fx.tarball, fx.sha256, root]),
  );
  const variants: [string, string[]][] = [["deno run", denoRunArgv()]];
  const bin = compiledBinary();
  if (bin) variants.push([path.basename(bin), [bin]]);
  const rows: Row[] = [];
  for (const [how, argv] of variants) {
    const ours = await intoRoot(ctx, `etcdup install (${how})`, (root) =>
      runCommand([
        ...argv,
        "install",
        "--tarball",
        fx.tarball,
        "--sha256",
        fx.sha256,
        "--root",
        root,
        "--no-start",
        "--quiet",
      ]));
    rows.push({
      bench: "install --root --no-start",
      case: `${how}, etcd ${fx.version} cached tarball (${size})`,
      ours,
      baseline,
      baselineLabel: MANUAL_LABEL,
      target: { maxRssMiB: RSS_TARGET_MIB },
    });
  }
  return rows;
}

async function containerRow(ctx: BenchContext): Promise<Row> {
  const fx = ctx.fixture;
  const etcdup = await etcdupUnderTest();
  const binds = [...etcdup.binds, ...gnuTimeBinds()];
  const tarball = `/root/${path.basename(fx.tarball)}`;
  const net = await Network.create();
  try {
    const host = await net.addHost();
    /** Boots a fresh container, times `argv` (an install) in it, and tears it down. */
    const once = (argv: string[], what: string) => async (): Promise<Sample> => {
      const ct = await Container.boot({ name: "bench", netns: host.netns, binds });
      try {
        await ct.copyIn(fx.tarball, tarball);
        for (const f of ["install_manual.sh", "pki_openssl.sh"]) {
          await ct.copyIn(path.join(BASELINE, f), `/root/bench/${f}`, 0o755);
        }
        await Deno.writeTextFile(ct.path("/root/bench/etcdup.sh"), etcdup.script, { mode: 0o755 });
        const sample = await timedIn(ct, what, argv);
        check("systemctl is-active etcd", await ct.exec(["systemctl", "is-active", "etcd"]));
        return sample;
      } finally {
        await ct.destroy();
      }
    };
    const times = ctx.times(5, 1);
    const baseline = await repeat(
      times,
      once(["sh", "/root/bench/install_manual.sh", tarball, fx.sha256], "install_manual.sh"),
    );
    const install = ["install", "--tarball", tarball, "--sha256", fx.sha256, "--quiet"];
    const ours = await repeat(times, once(["sh", "/root/bench/etcdup.sh", ...install], "etcdup install"));
    return {
      bench: "install in a systemd container",
      case: `${
        etcdup.description.startsWith("compiled") ? "compiled binary" : "deno run"
      }, to healthy etcd over mTLS`,
      ours,
      baseline,
      baselineLabel: `${MANUAL_LABEL}, useradd, systemctl enable --now, etcdctl endpoint health`,
      target: { maxRssMiB: RSS_TARGET_MIB },
    };
  } finally {
    await net.destroy();
  }
}

/** The install bench. */
export const installBench: Bench = {
  name: "install",
  title: "whole install from a cached tarball: --root prefix, and a systemd container to healthy etcd",
  async run(ctx) {
    return [...await rootRows(ctx), await containerRow(ctx)];
  },
};
