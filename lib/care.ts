/**
 * The care settings install gives etcd, as data: planned from the flags by lib/plan/care.ts, rendered into
 * etcd's environment file by lib/etcd/env.ts. In the core so that neither folder imports the other's.
 */

/** What install tells etcd about compaction, quota and timing. */
export interface PlannedCare {
  /** `--auto-compaction-retention` in periodic mode, as a Go duration ("1h"); "0" turns compaction off. */
  compactionRetention: string;
  /** `--quota-backend-bytes`. */
  quotaBackendBytes: number;
  /** `--heartbeat-interval` in ms. */
  heartbeatMs: number;
  /** `--election-timeout` in ms. */
  electionMs: number;
}
