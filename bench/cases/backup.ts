/**
 * `etcdup backup` of a large database against the manual procedure (baseline/backup_manual.sh: `etcdctl
 * snapshot save` over mutual TLS, `etcdutl snapshot status`, `sha256sum`), in one booted systemd container
 * with etcd installed by etcdup and filled to at least 100 MiB (8 MiB in --quick mode). Only the backup
 * commands are timed; each side writes into its own directory on the same disk, and each run's snapshot is
 * removed before the next (etcdup's retention keeps one: --keep-* 0). Then `etcdup restore` of that
 * snapshot against baseline/restore_manual.sh (`etcdutl snapshot restore` as this member, stop, old data dir
 * aside, start, `etcdctl endpoint health`); the old data dirs both keep aside are removed between runs.
 * Last, what the other timers run on the same database, etcdup alone: `maintain --force` and `certs renew`.
 * Every command runs under the host's GNU time bound into the container (bench/support/container_time.ts),
 * so each row carries its peak RSS, and the etcdup rows issue 17's RSS target.
 */
import * as path from "node:path";
import { type Repeat, repeat } from "../support/measure.ts";
import type { Bench } from "../support/context.ts";
import { type Row, RSS_TARGET_MIB } from "../support/report.ts";
import { check, gnuTimeBinds, timedIn } from "../support/container_time.ts";
import { Container } from "../../tests/e2e/harness/container.ts";
import { Network } from "../../tests/e2e/harness/network.ts";
import { etcdupUnderTest } from "../../tests/e2e/harness/etcdup.ts";
import { startS3rver } from "../../tests/support/s3rver.ts";
import { rcloneEnv } from "../../tests/offsite/helpers.ts";

const MANUAL = path.resolve(new URL("../baseline/backup_manual.sh", import.meta.url).pathname);
const MANUAL_RESTORE = path.resolve(new URL("../baseline/restore_manual.sh", import.meta.url).pathname);
const MANUAL_OFFSITE = path.resolve(
  new URL("../baseline/backup_encrypt_upload_manual.sh", import.meta.url).pathname,
);

/**
 * Issue 16's rows: `etcdup backup --encrypt-to --upload` against `etcdctl snapshot save` + `age -r` +
 * `rclone copyto` (baseline/backup_encrypt_upload_manual.sh), both to s3rver on the container's loopback
 * (its network namespace), with Debian's age and rclone copied in (etcdup encrypts with that age, found in
 * PATH, and in a second row with ETCDUP_AGE=builtin with the built-in library), rclone with its defaults:
 * one PutObject up to 200 MiB, as etcdup sends one (streamed) up to 4 GiB, so both sides upload in the same
 * shape.
 */
async function offsiteRowIn(
  c: Container,
  netns: string,
  times: Repeat,
  what: string,
): Promise<Row[]> {
  const s3 = await startS3rver(["bench"], { netns });
  const tmp = await Deno.makeTempDir({ prefix: "etcdup-bench-offsite-" });
  try {
    for (const tool of ["age", "age-keygen", "rclone"]) {
      await c.copyIn(`/usr/bin/${tool}`, `/usr/local/bin/${tool}`, 0o755);
    }
    await c.copyIn(MANUAL_OFFSITE, "/root/backup_encrypt_upload_manual.sh", 0o755);
    check("age-keygen", await c.exec(["age-keygen", "-o", "/root/bench.key"]));
    const recipient = check("age-keygen -y", await c.exec(["age-keygen", "-y", "/root/bench.key"])).stdout
      .trim();
    const creds = path.join(tmp, "s3.ini");
    await Deno.writeTextFile(
      creds,
      `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    );
    await c.copyIn(creds, "/etc/etcdup/bench-s3.ini", 0o600);
    const argv = (last: string) => [
      ETCDUP,
      "backup",
      ...keepOnlyNew("/srv/bench/etcdup-offsite"),
      "--encrypt-to",
      recipient,
      "--upload",
      "s3://bench/ours",
      "--s3-endpoint",
      s3.endpoint,
      "--s3-credentials",
      "/etc/etcdup/bench-s3.ini",
      last,
    ];
    // etcdup encrypts with the copied-in age binary (found in PATH) and, with ETCDUP_AGE=builtin, with the
    // library: each checked once, untimed, by what --json says it used, then timed.
    const timedWith = async (env: Record<string, string>, used: RegExp) => {
      const r = check("etcdup backup --json", await c.exec(argv("--json"), { env, timeoutMs: 600_000 }));
      const said = String(JSON.parse(r.stdout.trim().split("\n").pop()!).result?.encryptedWith);
      if (!used.test(said)) throw new Error(`etcdup backup encrypted with ${said}, not ${used}`);
      return await repeat(
        times,
        () => timedIn(c, "etcdup backup --encrypt-to --upload", argv("--quiet"), { env, timeoutMs: 600_000 }),
      );
    };
    const ours = await timedWith({}, /^age \d+\.\d+.* \(\/usr\/local\/bin\/age\)$/);
    const builtin = await timedWith({ ETCDUP_AGE: "builtin" }, /^built-in age-encryption$/);
    const env = rcloneEnv(s3, "/root");
    const manual = await repeat(times, async () => {
      check("clean", await c.exec(["rm", "-rf", "/srv/bench/manual-offsite"]));
      return await timedIn(c, "backup_encrypt_upload_manual.sh", [
        "/root/backup_encrypt_upload_manual.sh",
        "/srv/bench/manual-offsite",
        recipient,
        "bench/manual",
      ], { env, timeoutMs: 600_000 });
    });
    const row = {
      bench: "backup+encrypt+upload",
      baseline: manual,
      baselineLabel: "etcdctl snapshot save + age -r + rclone copyto",
      target: { maxRatio: 1.2, maxRssMiB: RSS_TARGET_MIB },
    };
    return [
      { ...row, case: `${what}, age CLI`, ours },
      { ...row, case: `${what}, built-in age-encryption`, ours: builtin },
    ];
  } finally {
    await s3.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Where the container holds the script that runs etcdup under test. */
const ETCDUP = "/root/etcdup.sh";

/**
 * What the other timers run beside etcd on the same database, etcdup alone (no manual counterpart): `maintain
 * --force` (defragments the member) and `certs renew` (reissues the leaves, restarts etcd).
 */
async function timerRows(c: Container, times: Repeat, what: string): Promise<Row[]> {
  const maintain = await repeat(
    times,
    () => timedIn(c, "etcdup maintain", [ETCDUP, "maintain", "--force", "--quiet"], { timeoutMs: 600_000 }),
  );
  const renew = await repeat(times, async () => {
    check("reset start limit", await c.exec(["systemctl", "reset-failed", "etcd.service"])); // as for restore
    return await timedIn(c, "etcdup certs renew", [ETCDUP, "certs", "renew", "--quiet"]);
  });
  const target = { maxRssMiB: RSS_TARGET_MIB };
  return [
    { bench: "maintain --force", case: what, ours: maintain, target },
    { bench: "certs renew", case: what, ours: renew, target },
  ];
}

/** Backup flags for a bench run into `dir` that keep only the newest snapshot, so runs do not pile up. */
function keepOnlyNew(dir: string): string[] {
  return ["--dir", dir, "--keep-hourly", "0", "--keep-daily", "0", "--keep-weekly", "0"];
}

/** The backup bench. */
export const backupBench: Bench = {
  name: "backup",
  title: "etcdup backup of a large database vs etcdctl snapshot save + etcdutl snapshot status + sha256sum",
  async run(ctx) {
    const fx = ctx.fixture;
    const etcdup = await etcdupUnderTest();
    const mib = ctx.quick ? 8 : 112;
    const net = await Network.create("10.95.0");
    let ct: Container | undefined;
    try {
      const host = await net.addHost();
      ct = await Container.boot({
        name: "benchbk",
        netns: host.netns,
        binds: [...etcdup.binds, ...gnuTimeBinds()],
      });
      const c = ct;
      await Deno.writeTextFile(c.path(ETCDUP), etcdup.script, { mode: 0o755 });
      const tarball = `/root/${path.basename(fx.tarball)}`;
      await c.copyIn(fx.tarball, tarball);
      await c.copyIn(MANUAL, "/root/backup_manual.sh", 0o755);
      await c.copyIn(MANUAL_RESTORE, "/root/restore_manual.sh", 0o755);
      check(
        "etcdup install",
        await etcdup.run(c, ["install", "--tarball", tarball, "--sha256", fx.sha256, "--quiet"], {
          timeoutMs: 240_000,
        }),
      );
      ctx.out.step(`backup: filling etcd with ${mib} MiB`);
      check(
        "filling etcd",
        await c.shell(
          `head -c 786432 /dev/urandom | base64 -w0 > /root/v && for i in $(seq 1 ${mib}); do ` +
            `etcdctl --command-timeout=30s put fill/$i < /root/v >/dev/null || exit 1; done`,
          { timeoutMs: 600_000 },
        ),
      );
      const size = Number(
        check("db size", await c.exec(["stat", "-c", "%s", "/var/lib/etcd/member/snap/db"])).stdout,
      );
      const times = ctx.times(5, 1);
      const flags = keepOnlyNew("/srv/bench/etcdup");
      const ours = await repeat(
        times,
        () => timedIn(c, "etcdup backup", [ETCDUP, "backup", ...flags, "--quiet"]),
      );
      const baseline = await repeat(times, async () => {
        check("clean", await c.exec(["rm", "-rf", "/srv/bench/manual"]));
        return await timedIn(c, "backup_manual.sh", ["/root/backup_manual.sh", "/srv/bench/manual"]);
      });
      const how = etcdup.description.startsWith("compiled") ? "compiled binary" : "deno run";
      const what = `${how}, etcd ${fx.version}, ${Math.round(size / 1048576)} MiB database`;
      const row: Row = {
        bench: "backup",
        case: what,
        ours,
        baseline,
        baselineLabel: "etcdctl snapshot save + etcdutl snapshot status + sha256sum",
        target: { maxRatio: 1.2, maxRssMiB: RSS_TARGET_MIB },
      };
      const offsiteRows = await offsiteRowIn(c, host.netns, times, what);
      const newest = async (dir: string) =>
        check("snapshot", await c.shell(`ls -1 ${dir}/*.db | tail -n 1`)).stdout.trim();
      const [oursSnap, manualSnap] = [await newest("/srv/bench/etcdup"), await newest("/srv/bench/manual")];
      /**
       * Before each restore (untimed): removes the old data dirs both restores keep aside, so runs do not fill
       * the disk, and clears etcd.service's start count: each restore restarts etcd, and ten of them in a
       * row hit systemd's start limit (5 starts in 10 s by default), which failed this row under load.
       */
      const sweep = async () =>
        check("sweep", await c.shell("rm -rf /var/lib/etcd.before-* && systemctl reset-failed etcd.service"));
      const restoreOurs = await repeat(times, async () => {
        await sweep();
        return await timedIn(c, "etcdup restore", [ETCDUP, "restore", oursSnap, "--quiet"]);
      });
      const restoreManual = await repeat(times, async () => {
        await sweep();
        return await timedIn(c, "restore_manual.sh", ["/root/restore_manual.sh", manualSnap]);
      });
      const restoreRow: Row = {
        bench: "restore",
        case: what,
        ours: restoreOurs,
        baseline: restoreManual,
        baselineLabel:
          "etcdutl snapshot restore + chown + systemctl stop, mv aside, start + etcdctl endpoint health",
        target: { maxRssMiB: RSS_TARGET_MIB },
      };
      return [row, ...offsiteRows, restoreRow, ...await timerRows(c, times, what)];
    } finally {
      await ct?.destroy();
      await net.destroy();
    }
  },
};
