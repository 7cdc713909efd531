/**
 * etcd's own distributed lock (the v3 lock service, as `etcdctl lock` uses it), held for the length of a
 * job: a lease kept alive while the job runs, the lock taken with it, and both let go in `finally`. Should
 * this process die, the lease runs out after its TTL and the lock frees itself.
 */
import { EtcdupError, Exit } from "../errors.ts";
import type { ClusterApi } from "./api.ts";

/** How a lock is held. */
export interface LockOptions {
  /** Lease TTL: how long a dead holder keeps the lock. */
  ttlSeconds: number;
  /** How long to wait for another holder to let go. */
  waitMs: number;
  /** Told once the lock is held, or while waiting for it. */
  onWait?: () => void;
}

/**
 * Runs `job` while holding lock `name`; throws `lock-timeout` (exit 1) when another holder keeps it longer
 * than `waitMs`, and `lock-lost` when the lease could not be kept alive (the job's result stands; what it
 * did is reported by it).
 * @example await withLock(api, "etcdup/maintain", { ttlSeconds: 60, waitMs: 600_000 }, () => defragAll());
 */
export async function withLock<T>(
  api: ClusterApi,
  name: string,
  opts: LockOptions,
  job: () => Promise<T>,
): Promise<T> {
  const lease = await api.leaseGrant(opts.ttlSeconds);
  let lost: Error | undefined;
  const timer = setInterval(() => {
    api.leaseKeepAlive(lease).then((ttl) => {
      if (ttl <= 0) lost = new Error(`lease ${lease} expired`);
    }, (err: Error) => {
      lost = err;
    });
  }, Math.max(1000, (opts.ttlSeconds * 1000) / 3));
  let key: string | undefined;
  try {
    const waiting = setTimeout(() => opts.onWait?.(), 1000);
    try {
      key = await api.lock(name, lease, opts.waitMs);
    } catch (err) {
      if (err instanceof EtcdupError && err.code === "etcd-timeout") {
        throw new EtcdupError({
          code: "lock-timeout",
          message: `another etcdup holds the cluster lock '${name}' for longer than ${
            Math.round(opts.waitMs / 1000)
          } s`,
          hint: "Another 'etcdup maintain' is running on a member; wait for it, or give --lock-timeout.",
          exit: Exit.failure,
          cause: err,
        });
      }
      throw err;
    } finally {
      clearTimeout(waiting);
    }
    const result = await job();
    if (lost) {
      throw new EtcdupError({
        code: "lock-lost",
        message: `the cluster lock '${name}' was lost while held (${lost.message})`,
        hint: "Another maintain run may have run at the same time; check the cluster and run again.",
        exit: Exit.failure,
      });
    }
    return result;
  } finally {
    clearInterval(timer);
    if (key) await api.unlock(key).catch(() => {});
    await api.leaseRevoke(lease).catch(() => {});
  }
}
