import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { type EtcdConfig, parseEnvFile, renderEnvFile } from "../../lib/etcd/env.ts";
import { configFromEnv, rerenderEnv } from "../../lib/upgrade/env.ts";

const files = { envFile: "/etc/default/etcd", envLocalFile: "/etc/default/etcd.local" };
const cfg: EtcdConfig = {
  name: "n1",
  dataDir: "/var/lib/etcd",
  listenClientUrls: ["https://10.0.0.1:2379", "https://127.0.0.1:2379"],
  advertiseClientUrls: ["https://10.0.0.1:2379"],
  listenPeerUrls: ["https://10.0.0.1:2380"],
  advertisePeerUrls: ["https://10.0.0.1:2380"],
  listenMetricsUrls: ["http://127.0.0.1:2381"],
  initialCluster: "n1=https://10.0.0.1:2380",
  initialClusterState: "new",
  initialClusterToken: "tok",
  caFile: "/etc/etcd/pki/ca.crt",
  serverCert: "/etc/etcd/pki/server.crt",
  serverKey: "/etc/etcd/pki/server.key",
  peerCert: "/etc/etcd/pki/peer.crt",
  peerKey: "/etc/etcd/pki/peer.key",
};

Deno.test("an env file etcdup wrote reads back to the config it was rendered from", () => {
  assertEquals(configFromEnv(parseEnvFile(renderEnvFile(cfg, "v3.4.23", files)), files.envFile), cfg);
});

Deno.test("re-rendering for a new minor gives exactly what install would write for it", () => {
  const old34 = renderEnvFile(cfg, "v3.4.23", files);
  const new35 = rerenderEnv(old34, "v3.5.30", files);
  assertEquals(new35, renderEnvFile(cfg, "v3.5.30", files));
  assertEquals(new35.includes("ETCD_LOGGER"), false);
  const new36 = rerenderEnv(new35, "v3.6.6", files);
  assertEquals(new36.includes("ETCD_EXPERIMENTAL_"), false);
  assertEquals(new36.includes("ETCD_FEATURE_GATES=InitialCorruptCheck=true"), true);
  assertEquals(rerenderEnv(new35, "v3.5.31", files).replace(/3\.5\.31/g, "3.5.30"), new35);
});

Deno.test("an env file missing a setting etcdup needs is refused, naming the variable", () => {
  throws(() => rerenderEnv("ETCD_NAME=n1\n", "v3.5.30", files), /ETCD_DATA_DIR/);
});
