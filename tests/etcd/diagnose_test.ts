/**
 * The fix printed under a failed start's journal tail (lib/etcd/diagnose.ts), reached otherwise only through
 * the container tests of an unhealthy install: each journal shape etcd and systemd print gets its fix, the
 * first rule that matches wins, anything else gets the general pointer.
 */
import assert from "node:assert/strict";
import { likelyFix } from "../../lib/etcd/diagnose.ts";

Deno.test("likelyFix: each failure etcd or systemd journals is named with its fix", () => {
  const cases: [string, RegExp][] = [
    ["listen tcp 10.0.0.5:2379: bind: address already in use", /ss -ltnp/],
    ["open /etc/etcd/pki/server.key: permission denied", /owners and modes/],
    ["member 8e9e05c52164694d has already been bootstrapped", /earlier cluster: move it aside/],
    ["request cluster ID mismatch (got 1 want 2)", /another cluster \(or token\)/],
    [
      'conflicting environment variable "ETCD_NAME" is shadowed by corresponding command-line flag',
      /one place only/,
    ],
    ["failed to publish local member to cluster through raft", /not up: run etcdup install on them too/],
    ["dial tcp 10.0.0.6:2380: connect: connection refused", /not up/],
    ["rejected connection: remote error: tls: bad certificate", /etcdup certs check/],
    ["x509: certificate signed by unknown authority", /etcdup certs check/],
    ["listen tcp 10.9.9.9:2380: bind: cannot assign requested address", /--advertise-address/],
    [
      'couldn\'t find local name "n9" in the initial cluster configuration',
      /--name is not in --initial-cluster/,
    ],
    [
      "etcd.service: Main process exited, code=exited, status=203/EXEC",
      /missing or not executable in --bin-dir/,
    ],
    ["Failed to set up mount namespacing: /var/lib/etcd: No such file", /ReadWritePaths/],
  ];
  for (const [journal, fix] of cases) assert.match(likelyFix(journal), fix, journal);
});

Deno.test("likelyFix: the first matching rule wins; an unknown failure gets the general pointer", () => {
  // A denied read of a certificate is a permission problem, not a certificate one.
  assert.match(
    likelyFix("open /etc/etcd/pki/server.crt: permission denied (x509 certificate)"),
    /owners and modes/,
  );
  assert.equal(
    likelyFix("something etcd never said"),
    "Read 'journalctl -u etcd' for etcd's own error; 'systemctl status etcd' shows the unit's state.",
  );
  assert.equal(likelyFix(""), likelyFix("something etcd never said"));
});
