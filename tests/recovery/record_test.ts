/**
 * What `recover` writes besides etcd's own data, under a temp root: the env file and the state record say
 * the initial cluster is this member alone (rendered exactly as install renders it, so an install re-run
 * keeps it), every step is convergent when a run is killed between two writes, an edited env file is kept;
 * the force drop-in and flag file are placed and cleared, and any later install run drops a leftover flag.
 */
import assert from "node:assert/strict";
import { parseEnvFile, renderEnvFile } from "../../lib/etcd/env.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { readState } from "../../lib/host/state.ts";
import { recordSolo, soloCluster } from "../../lib/recovery/record.ts";
import {
  clearForce,
  dropStaleForce,
  FORCE_ENV_FILE,
  forceDropIn,
  forceFiles,
  placeForce,
} from "../../lib/recovery/force.ts";
import type { ServiceManager } from "../../lib/host/systemd.ts";
import { createOutput } from "../../lib/cli/output.ts";
import { ENV_FILES, inFakeInstall, MEMBER } from "../daytwo/fixtures.ts";

const THREE = "n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380,n3=https://10.0.0.3:2380";
const env3 = renderEnvFile({ ...MEMBER, initialCluster: THREE }, "v3.5.30", ENV_FILES);
const soloEnv = renderEnvFile(
  { ...MEMBER, initialCluster: "n1=https://10.0.0.1:2380" },
  "v3.5.30",
  ENV_FILES,
);
const quiet = createOutput({ json: false, quiet: true, env: { NO_COLOR: "1" } });

Deno.test("soloCluster names this member with each advertised peer URL", () => {
  assert.equal(
    soloCluster({ name: "n1", peerUrls: ["https://10.0.0.1:2380/", "https://[FD00::1]:2380"] }),
    "n1=https://10.0.0.1:2380,n1=https://[fd00::1]:2380",
  );
});

Deno.test("recordSolo rewrites the env file as install renders it and records it; a second run changes nothing", () =>
  inFakeInstall({ [ENV_FILES.envFile]: [env3, 0o644] }, { initialCluster: THREE }, ({ host }) => {
    const first = recordSolo(host, readState(host)!, ENV_FILES, new Date());
    assert.deepEqual(first, { state: true, envRewritten: true, envEdited: false });
    const text = host.readText(ENV_FILES.envFile)!;
    assert.equal(text, soloEnv);
    assert.equal(parseEnvFile(text).ETCD_INITIAL_CLUSTER_STATE, "new");
    const state = readState(host)!;
    assert.equal(state.initialCluster, "n1=https://10.0.0.1:2380");
    assert.equal(state.initialClusterState, "new");
    assert.equal(state.files[ENV_FILES.envFile].sha256, sha256Hex(soloEnv));
    assert.deepEqual(recordSolo(host, state, ENV_FILES, new Date()), {
      state: false,
      envRewritten: false,
      envEdited: false,
    });
    return Promise.resolve();
  }));

Deno.test("recordSolo after a kill between the env file and the state record records the file's hash", () =>
  inFakeInstall({ [ENV_FILES.envFile]: [env3, 0o644] }, { initialCluster: THREE }, ({ host }) => {
    // The killed run wrote the new env file; the state record still has the old hash and cluster.
    host.writeAtomic(ENV_FILES.envFile, soloEnv, { uid: 0, gid: 0, mode: 0o644 });
    const r = recordSolo(host, readState(host)!, ENV_FILES, new Date());
    assert.deepEqual(r, { state: true, envRewritten: false, envEdited: false });
    assert.equal(readState(host)!.files[ENV_FILES.envFile].sha256, sha256Hex(soloEnv));
    return Promise.resolve();
  }));

Deno.test("recordSolo keeps an env file the operator edited and still records the one-member cluster", () =>
  inFakeInstall({ [ENV_FILES.envFile]: [env3, 0o644] }, { initialCluster: THREE }, ({ host }) => {
    const edited = env3 + "ETCD_SNAPSHOT_COUNT=5000\n";
    host.writeAtomic(ENV_FILES.envFile, edited, { uid: 0, gid: 0, mode: 0o644 });
    const r = recordSolo(host, readState(host)!, ENV_FILES, new Date());
    assert.deepEqual(r, { state: true, envRewritten: false, envEdited: true });
    assert.equal(host.readText(ENV_FILES.envFile), edited);
    assert.equal(readState(host)!.files[ENV_FILES.envFile].sha256, sha256Hex(env3), "the old record stays");
    return Promise.resolve();
  }));

Deno.test("the force flag: placed as a drop-in and a root-only file, cleared, and dropped by later runs", () =>
  inFakeInstall({}, {}, async ({ host }) => {
    placeForce(host, "etcd.service");
    assert.deepEqual(forceFiles(host, "etcd.service"), { dropIn: true, flag: true });
    assert.equal(host.readText(FORCE_ENV_FILE), "ETCD_FORCE_NEW_CLUSTER=true\n");
    assert.equal(host.stat(FORCE_ENV_FILE)!.mode, 0o600);
    const dropIn = host.readText(forceDropIn("etcd.service"))!;
    assert.match(dropIn, new RegExp(`^EnvironmentFile=-${FORCE_ENV_FILE}$`, "m"));
    assert.match(dropIn, new RegExp(`^ExecStartPost=-\\+/bin/rm -f ${FORCE_ENV_FILE}$`, "m"));
    assert.equal(clearForce(host, "etcd.service"), true);
    assert.deepEqual(forceFiles(host, "etcd.service"), { dropIn: false, flag: false });
    assert.equal(clearForce(host, "etcd.service"), false);

    placeForce(host, "etcd.service");
    let reloads = 0;
    const svc = { live: true, daemonReload: () => Promise.resolve(void reloads++) } as ServiceManager;
    await dropStaleForce(host, "etcd.service", svc, quiet);
    assert.deepEqual(forceFiles(host, "etcd.service"), { dropIn: false, flag: false });
    assert.equal(reloads, 1);
    await dropStaleForce(host, "etcd.service", svc, quiet);
    assert.equal(reloads, 1, "nothing to drop: no reload");
  }));
