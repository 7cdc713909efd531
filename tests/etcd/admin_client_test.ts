/** The one admin TLS client: the layout's admin certificate, key and CA under the host tree, loopback first. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { adminClient, adminTlsClient } from "../../lib/etcd/admin_client.ts";
import { HostRoot } from "../../lib/host/fs.ts";
import type { InstallState } from "../../lib/state_record.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";

Deno.test("the admin client of a PKI dir names its CA, admin cert and key under the host root", () => {
  const root = Deno.makeTempDirSync({ prefix: "etcdup-admin-client-" });
  try {
    const host = new HostRoot(root);
    const client = adminTlsClient(host, pkiPaths("kubeadm"), ["https://127.0.0.1:2379"]);
    const pki = pkiPaths("kubeadm");
    assertEquals(client, {
      endpoints: ["https://127.0.0.1:2379"],
      caFile: host.resolve(pki.caCert),
      certFile: host.resolve(pki.adminCert),
      keyFile: host.resolve(pki.adminKey),
    });
    assertEquals(client.caFile.startsWith(host.root), true);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a recorded member's admin client asks its loopback URL first, with the recorded layout", () => {
  const host = new HostRoot("/");
  const state = {
    layout: "etcd",
    pkiDir: "/srv/pki",
    clientUrls: ["https://10.0.0.5:2379", "https://[::1]:2379", "https://127.0.0.1:2379"],
  } as InstallState;
  const client = adminClient(host, state);
  assertEquals(client.endpoints, ["https://[::1]:2379", "https://127.0.0.1:2379", "https://10.0.0.5:2379"]);
  assertEquals(client, adminTlsClient(host, pkiPaths("etcd", "/srv/pki"), client.endpoints));
  assertEquals(client.certFile.startsWith("/srv/pki/"), true);
});
