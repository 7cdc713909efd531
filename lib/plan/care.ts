/**
 * The settings that keep an unattended etcd healthy, from install's flags: periodic auto-compaction, an
 * explicit backend quota, and raft timing from etcd's tuning guide. Pure. Each flag's rule is here (indexed by
 * lib/plan/flag_rules.ts, named by lib/specs/install.ts's careFlags); every bad value is a usage error naming
 * its flag. The limits are etcd's own: it refuses an election timeout below 5 heartbeats or above
 * 50 s, and warns about a quota above 8 GiB (its documented maximum recommendation).
 */
import { usageError } from "../errors.ts";
import type { InstallOptions } from "../specs/install.ts";
import type { PlannedCare } from "../care.ts";

/** etcd's default quota, made explicit: tested by etcd at that size, and small VMs' memory maps it. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3;
/** etcd's documented maximum recommendation; etcd warns above it (`quota exceeds the maximum value`). */
export const MAX_QUOTA_BYTES = 8 * 1024 ** 3;
/** etcd refuses an election timeout above this (embed.Config.Validate). */
export const MAX_ELECTION_MS = 50_000;

/**
 * The tuning guide's presets (https://etcd.io/docs/v3.5/tuning/): heartbeat about the round-trip time
 * between members, election timeout at least 10 round trips. `lan` is etcd's default (100/1000 ms);
 * `wan` covers intercontinental round trips up to about 500 ms (the guide cites 350-400 ms US-Japan).
 */
export const TUNING_PRESETS = {
  lan: { heartbeatMs: 100, electionMs: 1000 },
  wan: { heartbeatMs: 500, electionMs: 5000 },
} as const;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * A byte size: plain bytes, or a number with a unit (KiB/MiB/GiB/TiB binary, KB/MB/GB decimal).
 * @example parseSize("quota-backend-bytes", "4GiB") // 4294967296
 */
export function parseSize(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw usageError(
      "bad-size",
      `--${flag}: '${raw}' is not a size`,
      "Give bytes or a number with a unit, e.g. 2GiB, 512MiB, 2147483648.",
    );
  }
  return n;
}

/**
 * A retention for periodic compaction as etcd reads it: a Go duration (1h, 30m, 2h30m) or a bare number of
 * hours (etcd's meaning in periodic mode); "0" turns auto-compaction off. Returned as a Go duration.
 * @example parseRetention("auto-compaction-retention", "2") // "2h"
 */
export function parseRetention(flag: string, raw: string): string {
  const s = raw.trim();
  if (s === "0") return "0";
  if (/^\d+$/.test(s) && Number(s) > 0 && Number(s) <= 100_000) return `${Number(s)}h`;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === "" || (Number(m[1] ?? 0) + Number(m[2] ?? 0) + Number(m[3] ?? 0)) === 0) {
    throw usageError(
      "bad-retention",
      `--${flag}: '${raw}' is not a retention etcd understands`,
      "Give a duration such as 1h, 30m or 2h30m, a number of hours, or 0 to turn auto-compaction off.",
    );
  }
  return s;
}

/**
 * A raft timing (`--heartbeat-interval`, `--election-timeout`): whole milliseconds, 1 to MAX_ELECTION_MS.
 * @example parseRaftMs("heartbeat-interval", "300") // 300
 */
export function parseRaftMs(flag: string, raw: string): number {
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > MAX_ELECTION_MS) {
    throw usageError(
      "bad-number",
      `--${flag}: '${raw}' is not a whole number of ms from 1 to ${MAX_ELECTION_MS}`,
    );
  }
  return n;
}

/**
 * A preset of {@link TUNING_PRESETS}.
 * @example parseTuning("tuning", "wan") // "wan"
 */
export function parseTuning(flag: string, raw: string): keyof typeof TUNING_PRESETS {
  const preset = raw.trim();
  if (preset !== "lan" && preset !== "wan") {
    throw usageError("bad-tuning", `--${flag}: '${preset}' is not a preset`, "Use lan or wan.");
  }
  return preset;
}

/** The flags the care settings come from. */
export type CareOptions = Pick<
  InstallOptions,
  | "quota-backend-bytes"
  | "force-quota"
  | "tuning"
  | "heartbeat-interval"
  | "election-timeout"
  | "auto-compaction-retention"
>;

/**
 * The care settings of install's options (each value checked and defaulted by its flag's rule), with what
 * involves two flags checked here: a quota above {@link MAX_QUOTA_BYTES} needs --force-quota, and the
 * election timeout must be at least 5 heartbeats, which etcd requires (the timing not given comes from the
 * preset). `notes` gets a line when the timing is legal for etcd but below the guide's ten round trips of
 * election timeout per heartbeat.
 * @example planCare(parseOptions(installFlags, { tuning: "wan" }), []).electionMs // 5000
 */
export function planCare(options: CareOptions, notes: string[]): PlannedCare {
  const quotaBackendBytes = options["quota-backend-bytes"];
  if (quotaBackendBytes > MAX_QUOTA_BYTES && !options["force-quota"]) {
    throw usageError(
      "quota-too-large",
      `--quota-backend-bytes ${quotaBackendBytes} (${+(quotaBackendBytes / 1024 ** 3).toFixed(
        2,
      )} GiB) is above etcd's recommended maximum of 8 GiB`,
      "etcd's docs advise 8 GiB at most (larger databases slow snapshots, restarts and defragmentation); " +
        "pass --force-quota to use it anyway.",
    );
  }
  const preset = TUNING_PRESETS[options.tuning];
  const heartbeatMs = options["heartbeat-interval"] ?? preset.heartbeatMs;
  const electionMs = options["election-timeout"] ?? preset.electionMs;
  if (electionMs < 5 * heartbeatMs) {
    throw usageError(
      "bad-election-timeout",
      `--election-timeout ${electionMs} is below 5 heartbeats (--heartbeat-interval ${heartbeatMs}): etcd refuses it`,
      `Give --election-timeout ${
        10 * heartbeatMs
      } (the tuning guide's 10 round trips) or a lower --heartbeat-interval.`,
    );
  }
  if (electionMs < 10 * heartbeatMs) {
    notes.push(
      `election timeout ${electionMs} ms is under 10 heartbeats of ${heartbeatMs} ms: etcd accepts it, ` +
        "but its tuning guide advises 10 round trips",
    );
  }
  return {
    compactionRetention: options["auto-compaction-retention"],
    quotaBackendBytes,
    heartbeatMs,
    electionMs,
  };
}
