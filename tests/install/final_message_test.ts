/**
 * Install's final message tells the operator how to check etcd both ways (curl on the plain-http loopback
 * /health, etcdctl over mTLS via the profile), and the server certificate names only loopbacks etcd listens
 * on: `::1` for an IPv6 member (which listens on [::1]), not for an IPv4 one. The e2e install test runs
 * the printed commands in a booted container.
 */
import assert from "node:assert/strict";
import type { HostFacts } from "../../lib/facts.ts";
import { healthCheckLines } from "../../lib/install/execute.ts";
import { planFromValues } from "../support/install_options.ts";

const FACTS: HostFacts = {
  hostname: "n1",
  fqdn: "n1.example.com",
  addresses: [{ address: "10.0.0.5", family: "IPv4" }, { address: "fd00::5", family: "IPv6" }],
  cpu: "x86_64",
  isRoot: true,
};
const resolve = () => "v3.5.30";

Deno.test("the final message names the curl and etcdctl health checks", () => {
  const lines = healthCheckLines(planFromValues({}, FACTS, "/", resolve));
  assert.match(lines.join("\n"), /^ {2}curl http:\/\/127\.0\.0\.1:2381\/health /m);
  assert.match(lines.join("\n"), /^ {2}\. \/etc\/profile\.d\/etcdctl\.sh && etcdctl endpoint health /m);
});

Deno.test("the certificate names ::1 exactly when etcd listens on [::1] (IPv6 members), and every listener", () => {
  for (const advertise of ["10.0.0.5", "fd00::5"]) {
    const plan = planFromValues({ "advertise-address": advertise }, FACTS, "/", resolve);
    const listening = plan.member.listenClientUrls.map((u) =>
      new URL(u).hostname.replace(/^\[(.*)\]$/, "$1")
    );
    assert.equal(plan.pki.sans.ips.includes("::1"), listening.includes("::1"), advertise);
    for (const h of listening) {
      assert.ok(plan.pki.sans.ips.includes(h), `${advertise}: listener ${h} is in the SANs`);
    }
  }
});
