/**
 * Live data for the memory tests that run beside a real loopback etcd (tests/release/peak_rss_live_test.ts,
 * tests/offsite/peak_live_test.ts): enough that a whole-file read or a buffered stream would show.
 */
import { execOk } from "./exec.ts";
import type { LocalCluster } from "../cluster/local_cluster.ts";

/** MiB of live data {@link fill} writes. */
export const FILL_MIB = 48;

/** Writes {@link FILL_MIB} distinct keys of 1 MiB of random text (under etcd's 1.5 MiB request limit). */
export async function fill(c: LocalCluster): Promise<void> {
  const m = c.members[0];
  const etcdctl = [
    c.etcdctlBin,
    `--endpoints=${m.clientUrl}`,
    `--cacert=${c.tls.caFile}`,
    `--cert=${c.tls.certFile}`,
    `--key=${c.tls.keyFile}`,
  ].join(" ");
  const loop = `i=0; while [ $i -lt ${FILL_MIB} ]; do head -c 786432 /dev/urandom | base64 -w0 | ` +
    `${etcdctl} put fill/$i >/dev/null || exit 1; i=$((i+1)); done`;
  await execOk(["sh", "-c", loop], { timeoutMs: 120_000 });
}
