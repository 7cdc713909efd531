/** install's PKI request: the plan's PKI settings and the CA read in by the observation, no host needed. */
import assert from "node:assert/strict";
import type { HostFacts } from "../../lib/facts.ts";
import { installPkiRequest } from "../../lib/plan/pki_request.ts";
import { planFromValues } from "../support/install_options.ts";

/** A host with one address: the plan's SANs come from it and the flags. */
const addresses: HostFacts["addresses"] = [{ address: "192.0.2.10", family: "IPv4" }];
const facts: HostFacts = {
  hostname: "node-a",
  fqdn: "node-a.example.com",
  addresses,
  cpu: "x86_64",
  isRoot: true,
};

Deno.test("installPkiRequest: the plan's layout, SANs and lifetimes; the CA only when one was read", () => {
  const plan = planFromValues(
    { san: ["etcd.example.com"], "cert-days": "90", layout: "kubeadm" },
    facts,
    "/",
    () => "v3.5.30",
  );
  const now = new Date("2026-12-02T10:00:00Z");
  const req = installPkiRequest(plan, undefined, now);
  assert.deepEqual(req, {
    layout: "kubeadm",
    pkiDir: plan.pki.pkiDir,
    algorithm: plan.pki.algorithm,
    memberName: "node-a",
    sans: plan.pki.sans,
    certDays: 90,
    caDays: plan.pki.caDays,
    now,
  });
  assert.ok(req.sans.dns.includes("etcd.example.com"));
  const ca = { certPem: "cert", keyPem: "key", source: "/tmp/ca.crt + /tmp/ca.key" };
  assert.deepEqual(installPkiRequest(plan, ca, now).ca, ca);
});
