/**
 * After a restore the member is a new one-member cluster: the env file (when still as etcdup wrote it) and
 * the state record say so, with the new cluster token, so a re-run of install and `join --replace` on the
 * other hosts start from what is true. etcd itself ignores ETCD_INITIAL_* once its data dir holds a member.
 */
import type { Output } from "../cli/output.ts";
import { configFromEnv } from "../daytwo/env.ts";
import { parseEnvFile, renderEnvFile } from "../etcd/env.ts";
import { type HostRoot, sha256Hex } from "../host/fs.ts";
import type { InstallState } from "../host/state.ts";
import { FIXED_PATHS } from "../plan/build.ts";

/**
 * Re-renders the env file for the one-member cluster of `token` and returns the state record to write; an
 * env file edited since etcdup wrote it is left alone (with a warning).
 */
export function rerenderEnvFor(
  host: HostRoot,
  state: InstallState,
  token: string,
  out: Output,
): InstallState {
  const initialCluster = `${state.name}=${state.peerUrls[0]}`;
  const next: InstallState = {
    ...state,
    initialCluster,
    initialClusterState: "new",
    clusterToken: token,
    updatedAt: new Date().toISOString(),
  };
  const envFile = FIXED_PATHS.envFile;
  const text = host.readText(envFile);
  const recorded = state.files[envFile];
  if (text === undefined || recorded === undefined) return next;
  if (sha256Hex(text) !== recorded.sha256) {
    out.warn(`${envFile} was edited since etcdup wrote it: left as it is (etcd ignores ETCD_INITIAL_* now)`);
    return next;
  }
  const cfg = configFromEnv(parseEnvFile(text), envFile);
  const rendered = renderEnvFile(
    { ...cfg, initialCluster, initialClusterState: "new", initialClusterToken: token },
    state.version,
    FIXED_PATHS,
  );
  if (rendered !== text) {
    host.writeAtomic(envFile, rendered, recorded);
    out.step(`${envFile}: now names the one-member cluster ${initialCluster}`);
  }
  return { ...next, files: { ...state.files, [envFile]: { ...recorded, sha256: sha256Hex(rendered) } } };
}
