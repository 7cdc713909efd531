/**
 * The planner request of a reissue's flags (renew, rotate-ca) and the target they act on (where the PKI is,
 * lib/observe/certs.ts): the names server and peer must cover, the key algorithm, the validity.
 */
import type { Target } from "../../observe/certs.ts";
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm, parseKeyAlgorithm } from "../../pki/algorithms.ts";
import { hostSans } from "../../pki/hostsans.ts";
import type { PkiRequest } from "../../pki/plan.ts";
import { MAX_DAYS } from "../../pki/request.ts";
import { dnsName, mergeSans, parseSans, type Sans } from "../../pki/sans.ts";

/** The options that say which names server and peer must cover. */
export interface SanOptions {
  san?: readonly string[];
  "reset-sans"?: boolean;
}

/** The options of a reissue (renew, rotate-ca), checked by their specs' rules. */
export interface ReissueOptions extends SanOptions {
  "key-algorithm"?: KeyAlgorithm;
  "cert-days": number;
  /** Unset for renew, which never makes a CA. */
  "ca-days"?: number;
  backdate?: number;
  "reuse-keys": boolean;
}

/** The key algorithm of new keys: the flag, else the installed one, else the default. */
function algorithmOf(o: ReissueOptions, t: Target): KeyAlgorithm {
  if (o["key-algorithm"]) return o["key-algorithm"];
  return t.state ? parseKeyAlgorithm(t.state.keyAlgorithm) : DEFAULT_KEY_ALGORITHM;
}

/**
 * The names server and peer must cover: the host's own and `--san`, plus the recorded ones unless
 * `--reset-sans` (which asks for exactly the host's current names and `--san`). A recorded name that the
 * `--san` rule now refuses (an earlier release took `foo_bar.example`) is no longer asked for; certificates
 * that hold it keep it until `--reset-sans`.
 */
export function wantedSans(o: SanOptions, t: Target): Sans {
  const state = t.state?.sans ?? { dns: [], ips: [] };
  const recorded = o["reset-sans"]
    ? []
    : [{ dns: state.dns.filter((d) => dnsName(d) !== undefined), ips: state.ips }];
  return mergeSans(hostSans(t.facts), ...recorded, parseSans([...o.san ?? []]));
}

/** The planner request of the options and the target. */
export function baseRequest(o: ReissueOptions, t: Target, now: Date): PkiRequest {
  return {
    layout: t.layout,
    pkiDir: t.paths.dir,
    algorithm: algorithmOf(o, t),
    memberName: t.memberName,
    sans: wantedSans(o, t),
    certDays: o["cert-days"],
    caDays: o["ca-days"] ?? MAX_DAYS,
    now,
    backdateMinutes: o.backdate,
    reuseKeys: o["reuse-keys"],
  };
}
