/** The systemd unit and the etcdctl shell profile, rendered from the embedded assets. */
import unitTemplate from "../../assets/etcd.service" with { type: "text" };
import profileTemplate from "../../assets/etcdctl.sh" with { type: "text" };
import { fillTemplate } from "./template.ts";

/** What the unit needs to know. Target paths. */
export interface UnitParams {
  unitFile: string;
  etcdBin: string;
  dataDir: string;
  /** A dedicated WAL dir, writable for etcd like the data dir. */
  walDir?: string;
  envFile: string;
  envLocalFile: string;
}

/** Renders etcd.service: upstream's contrib unit, settings from the env files, hardened. */
export function renderUnit(p: UnitParams): string {
  return fillTemplate(unitTemplate, {
    UNIT_FILE: p.unitFile,
    ETCD_BIN: p.etcdBin,
    READ_WRITE_PATHS: [p.dataDir, ...(p.walDir ? [p.walDir] : [])].join(" "),
    ENV_FILE: p.envFile,
    ENV_LOCAL_FILE: p.envLocalFile,
  });
}

/** What etcdctl needs to reach the local member. Target paths. */
export interface ProfileParams {
  profileFile: string;
  endpoints: string[];
  caCert: string;
  cert: string;
  key: string;
}

/** Renders /etc/profile.d/etcdctl.sh (ETCDCTL_* for root's shells only). */
export function renderProfile(p: ProfileParams): string {
  return fillTemplate(profileTemplate, {
    PROFILE_FILE: p.profileFile,
    ENDPOINTS: p.endpoints.join(","),
    CA_CERT: p.caCert,
    CERT: p.cert,
    KEY: p.key,
  });
}
