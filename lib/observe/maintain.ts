/**
 * `maintain`'s host read: the quota this member runs with (its env files). The rest of what maintain
 * decides on is the cluster's (lib/cluster/maintain.ts surveys it over the admin client).
 */
import { parseEnvFile } from "../etcd/env.ts";
import type { HostRoot } from "../host/fs.ts";
import { DEFAULT_QUOTA_BYTES } from "../plan/care.ts";
import { FIXED_PATHS } from "../plan/build.ts";

/** The quota this member runs with: etcd.local over etcdup's env file over etcd's default. */
export function localQuota(host: HostRoot): number {
  const env = {
    ...parseEnvFile(host.readText(FIXED_PATHS.envFile) ?? ""),
    ...parseEnvFile(host.readText(FIXED_PATHS.envLocalFile) ?? ""),
  };
  const q = Number(env.ETCD_QUOTA_BACKEND_BYTES);
  return Number.isSafeInteger(q) && q > 0 ? q : DEFAULT_QUOTA_BYTES;
}
