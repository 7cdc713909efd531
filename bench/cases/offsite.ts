/**
 * Encrypt + upload of a snapshot-sized file to S3 on loopback (s3rver): etcdup's streaming age encryption
 * and verified streamed upload (one PutObject up to 4 GiB) against `age -r` + `rclone copyto` (baseline/encrypt_upload.sh). Both
 * sides run as subprocesses against the same server, so wall time and peak RSS are comparable; a file 4x
 * larger shows whether RSS stays flat.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RUNTIME_PERMISSIONS } from "../../permissions.ts";
import { type Measurement, repeat, runCommand } from "../support/measure.ts";
import type { Bench, BenchContext } from "../support/context.ts";
import { formatRatio, type Row, RSS_TARGET_MIB } from "../support/report.ts";
import { startS3rver, type TestS3 } from "../../tests/support/s3rver.ts";
import { randomFile, rcloneEnv, runClean } from "../../tests/offsite/helpers.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SCRIPT = path.resolve(HERE, "../baseline/encrypt_upload.sh");
const DRIVER = path.resolve(HERE, "../drivers/offsite.ts");
const MiB = 2 ** 20;

/** The environment of both sides: the server's keys, no proxy or CA bundle of the machine. */
function sideEnv(s3: TestS3, dir: string): Record<string, string> {
  return {
    ...rcloneEnv(s3, dir),
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_SESSION_TOKEN: "",
    AWS_CA_BUNDLE: "",
    SSL_CERT_FILE: "",
    HTTPS_PROXY: "",
    HTTP_PROXY: "",
    https_proxy: "",
    http_proxy: "",
    NO_PROXY: "127.0.0.1",
  };
}

function measure(
  ctx: BenchContext,
  argv: (key: string) => string[],
  env: Record<string, string>,
): Promise<Measurement> {
  return repeat(
    ctx.times(5, 1),
    (i) => runCommand(argv(`bench/${crypto.randomUUID().slice(0, 8)}-${i}.db.age`), { env }),
  );
}

/** The offsite bench. */
export const offsiteBench: Bench = {
  name: "offsite",
  title: "age encrypt + streamed S3 upload to s3rver on loopback vs age -r + rclone copyto",
  async run(ctx) {
    const s3 = await startS3rver(["bench"]);
    const dir = path.join(ctx.workDir, "offsite");
    fs.mkdirSync(dir);
    try {
      const identity = path.join(dir, "identity");
      if ((await runClean(["age-keygen", "-o", identity])).code !== 0) throw new Error("age-keygen failed");
      const recipient = (await runClean(["age-keygen", "-y", identity])).stdout.trim();
      const env = sideEnv(s3, dir);
      const base = ctx.quick ? 24 : 128;
      const rows: Row[] = [];
      let firstRss: number | undefined;
      for (const mib of [base, base * 4]) {
        const file = path.join(dir, `snapshot-${mib}.db`);
        ctx.out.info(`offsite: ${mib} MiB of incompressible data`);
        randomFile(file, mib * MiB);
        const baseline = await measure(
          ctx,
          (key) => ["sh", SCRIPT, file, recipient, `bench/${key}`, dir],
          env,
        );
        const ours = await measure(
          ctx,
          (
            key,
          ) => [
            Deno.execPath(),
            "run",
            ...RUNTIME_PERMISSIONS,
            DRIVER,
            s3.endpoint,
            "bench",
            key,
            file,
            recipient,
            dir,
          ],
          env,
        );
        fs.rmSync(file);
        const rss = ours.rssKiB?.median;
        firstRss ??= rss;
        const flat = mib !== base && rss && firstRss
          ? `; etcdup RSS vs ${base} MiB: ${formatRatio(rss / firstRss)}`
          : "";
        rows.push({
          bench: "encrypt+upload",
          case: `${mib} MiB snapshot${flat}`,
          ours,
          baseline,
          baselineLabel: "age -r + rclone copyto",
          target: { maxRatio: 1.2, maxRssMiB: RSS_TARGET_MIB },
        });
      }
      return rows;
    } finally {
      await s3.stop();
    }
  },
};
