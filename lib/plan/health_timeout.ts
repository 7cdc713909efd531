/**
 * `--health-timeout SECONDS`: how long a command waits for etcd's `/health` over mutual TLS after starting
 * or restarting it (install, join, upgrade, restore, recover, certs renew/rotate-ca). One default and one
 * bound for all of them, so no command waits differently from what `--help` and the README say.
 */
import { positiveInt } from "./validate.ts";

/** The wait when the flag is not given. */
export const DEFAULT_HEALTH_TIMEOUT_S = 60;

/** The longest wait accepted: an hour (etcd that is not healthy by then will not be). */
export const MAX_HEALTH_TIMEOUT_S = 3600;

/**
 * A `--health-timeout` value (undefined: not given) in milliseconds; anything but a whole number of seconds
 * from 1 to {@link MAX_HEALTH_TIMEOUT_S} is a usage error naming the flag (exit 2, `bad-number`).
 * @example parseHealthTimeoutMs(undefined) // 60000
 */
export function parseHealthTimeoutMs(raw: string | undefined): number {
  return positiveInt("health-timeout", raw ?? String(DEFAULT_HEALTH_TIMEOUT_S), MAX_HEALTH_TIMEOUT_S) * 1000;
}
