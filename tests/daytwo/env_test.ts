import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseEnvFile, renderEnvFile } from "../../lib/etcd/env.ts";
import { configFromEnv, rerenderEnv } from "../../lib/daytwo/env.ts";
import { ENV_FILES, MEMBER } from "./fixtures.ts";

const files = ENV_FILES;
const cfg = MEMBER;

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

Deno.test("an upgrade's re-render keeps a dedicated WAL dir (ETCD_WAL_DIR)", () => {
  const withWal = { ...cfg, walDir: "/srv/etcd-wal" };
  const text = renderEnvFile(withWal, "v3.5.30", files);
  assertEquals(configFromEnv(parseEnvFile(text), files.envFile), withWal);
  assertEquals(rerenderEnv(text, "v3.6.6", files), renderEnvFile(withWal, "v3.6.6", files));
});
