/**
 * The etcdctl command `certs issue-client` prints works in root's login shell, where
 * /etc/profile.d/etcdctl.sh has exported ETCDCTL_ENDPOINTS/_CACERT/_CERT/_KEY: it reaches a real etcd
 * (mutual TLS on loopback) with the new client pair instead of failing with etcdctl's "conflicting
 * environment variable".
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { pkiPaths } from "../../lib/pki/layout.ts";
import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { exec } from "../support/exec.ts";
import { etcdBinaries, localEtcd, makePki, request, tempRoot } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");

Deno.test("issue-client's printed etcdctl command works beside root's profile variables", async () => {
  const t = await tempRoot("etcdup-issue-shell-");
  let etcd: ReturnType<typeof localEtcd> | undefined;
  try {
    const bins = await etcdBinaries(t.root);
    await makePki(t.host, request());
    const pki = t.host.resolve(P.dir);
    const admin = { ca: `${pki}/ca.crt`, cert: `${pki}/admin.crt`, key: `${pki}/admin.key` };
    etcd = localEtcd(bins, pki, path.join(t.root, "data"));
    await etcd.start(admin);

    const issued = await runEtcdup(["certs", "issue-client", "app", "--root", t.root]);
    assert.equal(issued.code, 0, issued.stderr);
    const line = issued.stdout.split("\n").find((l) => /etcdctl endpoint health$/.test(l));
    assert.ok(line, issued.stdout);
    // The command names target paths and the default endpoint; here they live under the temp root.
    const command = line.trim().replaceAll(`${P.dir}/`, `${pki}/`).replaceAll(
      "https://127.0.0.1:2379",
      etcd.endpoint,
    ).replace(/etcdctl endpoint health$/, `${bins.etcdctl} --dial-timeout=3s endpoint health`);
    const profile = {
      ETCDCTL_API: "3",
      ETCDCTL_ENDPOINTS: etcd.endpoint,
      ETCDCTL_CACERT: admin.ca,
      ETCDCTL_CERT: admin.cert,
      ETCDCTL_KEY: admin.key,
    };
    const r = await exec(["bash", "-c", command], { env: profile, timeoutMs: 20_000 });
    assert.doesNotMatch(r.stderr, /conflicting environment variable/);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /is healthy/);
  } finally {
    await etcd?.stop();
    await t.cleanup();
  }
});
