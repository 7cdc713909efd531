/**
 * The PKI bench's etcdup side: the whole PKI (CA, server, peer, admin and one extra client: the kubeadm
 * layout's four leaves) planned by `planPki` against an empty root, i.e. every key generated (together ahead
 * of planning, as install does: lib/install/pki.ts withKeysAhead), every certificate issued with WebCrypto +
 * @peculiar/x509 and PEM-encoded. The bench times it in process and runs
 * this file as its own process for the peak RSS, which an in-process figure cannot give.
 *
 * Usage: deno run <runtime flags> bench/drivers/pki.ts ALGORITHM EMPTY_DIR
 */
import type { KeyAlgorithm } from "../../lib/pki/algorithms.ts";
import { observePki } from "../../lib/pki/observe.ts";
import { type PkiRequest, planPki } from "../../lib/pki/plan.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { withKeysAhead } from "../../lib/install/pki.ts";

/** Plans the whole PKI with keys of `alg` into the empty tree `host` (planning never writes). */
export async function wholePki(host: HostRoot, alg: KeyAlgorithm): Promise<void> {
  const req: PkiRequest = {
    layout: "kubeadm",
    pkiDir: "/etc/kubernetes/pki/etcd",
    algorithm: alg,
    memberName: "node1",
    sans: { dns: ["localhost", "node1"], ips: ["127.0.0.1", "10.0.0.1"] },
    certDays: 365,
    caDays: 3650,
    now: new Date(),
  };
  const observed = observePki(host, req);
  const plan = await withKeysAhead(
    req,
    observed,
    createOutput({ quiet: true }),
    () => planPki(req, observed),
  );
  const created = plan.files.filter((f) => f.action === "create").length;
  if (created !== 10) {
    throw new Error(`planPki(${alg}) planned ${created} new files, expected a CA and 4 leaves (10)`);
  }
}

if (import.meta.main) {
  const [alg, dir] = Deno.args;
  await wholePki(new HostRoot(dir), alg as KeyAlgorithm);
}
