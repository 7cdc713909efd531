/**
 * The rules that check and convert flag values, by name, for {@link FlagSpec.parse}: each takes the flag's
 * name and its text and returns the typed value, or throws a usage error (exit 2) whose message names the
 * flag (`--days: ...`; lib/cli/args.ts's blameSource renames it to the variable or config key it came from).
 * The rules themselves live with what they guard (addresses and paths in lib/plan/validate.ts, SANs in
 * lib/pki/sans.ts...); this is only their index. It is loaded with the command body, never at start-up
 * (lib/specs/spec.ts names the rules and their types only), as some rules need the PKI libraries.
 */
import { usageError } from "../errors.ts";
import type { Rule, RuleValues } from "../specs/spec.ts";
import { absolutePath, memberName, port, positiveInt, rootDir, sha256 } from "./validate.ts";
import { parseRaftMs, parseRetention, parseSize, parseTuning } from "./care.ts";
import { parseHealthTimeoutMs } from "./health_timeout.ts";
import { checkSan } from "../pki/sans.ts";
import { parseKeyAlgorithm } from "../pki/algorithms.ts";
import { parseLayout } from "../pki/layout.ts";
import { MAX_DAYS } from "../pki/request.ts";

/** The longest wait a timeout flag takes: a day. */
const MAX_WAIT_SECONDS = 86_400;

/**
 * A whole number from 0 to `max` (days before expiry, minutes of backdating).
 * @example count("warn-days", "14", 36_500) // 14
 */
function count(flag: string, raw: string, max: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > max) {
    throw usageError("bad-number", `--${flag}: '${raw}' is not a whole number from 0 to ${max}`);
  }
  return Number(raw);
}

/** Every rule a flag spec can name. */
export const rules = {
  /** A validity in days, 1 to {@link MAX_DAYS} (100 years). */
  days: (flag: string, raw: string): number => positiveInt(flag, raw, MAX_DAYS),
  /** How many days ahead to look (expiry warnings): 0 to {@link MAX_DAYS}. */
  daysAhead: (flag: string, raw: string): number => count(flag, raw, MAX_DAYS),
  /** A wait given in whole seconds (1 to a day), as milliseconds, the unit every waiter takes. */
  timeout: (flag: string, raw: string): number => positiveInt(flag, raw, MAX_WAIT_SECONDS) * 1000,
  /** `--health-timeout`: lib/plan/health_timeout.ts's one bound (1 to 3600 s), as milliseconds. */
  healthTimeout: (_flag: string, raw: string): number => parseHealthTimeoutMs(raw),
  /** How many snapshots of a period retention keeps (`--keep-hourly`...): 0 to 999999. */
  keep: (flag: string, raw: string): number => count(flag, raw, 999_999),
  /** Minutes to start a certificate's validity early (clock skew): 0 to a day. */
  minutes: (flag: string, raw: string): number => count(flag, raw, 1440),
  /** A byte size (bytes, or a number with KiB/MiB/GiB/TiB or KB/MB/GB). */
  size: parseSize,
  /** A compaction retention: a Go duration or hours ("0": off), as a Go duration. */
  duration: parseRetention,
  /** A raft timing preset of etcd's tuning guide: lan or wan. */
  tuning: parseTuning,
  /** A raft timing (heartbeat, election timeout) in whole milliseconds, 1 to 50 s. */
  raftMs: parseRaftMs,
  /** 64 hex digits, lower-cased. */
  sha256,
  /** A TCP port. */
  port,
  /** A subject alternative name: an IP address or a DNS name (kept as given; planners canonicalise). */
  san: (_flag: string, raw: string): string => {
    checkSan(raw);
    return raw;
  },
  /** A member name etcd and certificate CNs accept. */
  memberName,
  /** A key algorithm (ecdsa-p256, rsa-2048...), lower-cased. */
  keyAlgorithm: (_flag: string, raw: string) => parseKeyAlgorithm(raw),
  /** A PKI layout (etcd, kubeadm). */
  layout: (_flag: string, raw: string) => parseLayout(raw),
  /** An absolute path on the target, as written. */
  absolutePath,
  /** The --root tree: never empty. */
  root: (_flag: string, raw: string): string => rootDir(raw),
} satisfies { [R in Rule]: (flag: string, raw: string) => RuleValues[R] };
