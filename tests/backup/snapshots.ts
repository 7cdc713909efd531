/** Real snapshot files for the backup tests, taken from a loopback etcd (the `sid` fixture, 3.5). */
import * as path from "node:path";
import { execOk } from "../support/exec.ts";
import { startLocalCluster } from "../cluster/local_cluster.ts";

export /** A snapshot file of a one-member loopback etcd holding keys k1..k3, in `dir`. */
async function realSnapshot(dir: string): Promise<string> {
  const c = await startLocalCluster(1);
  try {
    const base = [
      c.etcdctlBin,
      `--endpoints=${c.members[0].clientUrl}`,
      `--cacert=${c.tls.caFile}`,
      `--cert=${c.tls.certFile}`,
      `--key=${c.tls.keyFile}`,
    ];
    for (const k of ["k1", "k2", "k3"]) await execOk([...base, "put", k, `v-${k}`]);
    const file = path.join(dir, "snap.db");
    await execOk([...base, "snapshot", "save", file]);
    return file;
  } finally {
    await c.close();
  }
}
