/**
 * The limits of a {@link PkiRequest} (longest validity, renewal window) and validating one before any
 * planning: validity periods, backdating, the member name and `--san` values, each refused with exit 2
 * naming the flag.
 */
import { usageError } from "../errors.ts";
import { checkSan, normalizeIp } from "./sans.ts";
import type { PkiRequest } from "./types.ts";

/** Leaves expiring within this many days are reissued by planning (and flagged by `certs check`). */
export const RENEW_WITHIN_DAYS = 30;

/** Longest validity etcdup issues, in days (100 years). */
export const MAX_DAYS = 36_500;

function checkDays(flag: string, days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw usageError("bad-number", `--${flag}: '${days}' is not a whole number from 1 to ${MAX_DAYS}`);
  }
}

/**
 * The one rule for certificate lifetimes, wherever they come from (install's plan, the certs commands, a
 * request built in code): each 1 to {@link MAX_DAYS} days (`bad-number`, as the flags' `days` rule says),
 * and a leaf never outliving the CA that signs it (`cert-outlives-ca`); exit 2 naming the flags.
 */
export function checkLifetimes(certDays: number, caDays: number): void {
  checkDays("cert-days", certDays);
  checkDays("ca-days", caDays);
  if (certDays > caDays) {
    throw usageError(
      "cert-outlives-ca",
      `--cert-days ${certDays} is longer than --ca-days ${caDays}`,
      "A leaf cannot outlive the CA that signs it; shorten --cert-days or lengthen --ca-days.",
    );
  }
}

/** Validates the request's values (exit 2 naming the flag). */
export function validateRequest(req: PkiRequest): void {
  checkLifetimes(req.certDays, req.caDays);
  if (req.backdateMinutes !== undefined && !(req.backdateMinutes >= 0 && req.backdateMinutes <= 1440)) {
    throw usageError("bad-validity", `--backdate: must be 0 to 1440 minutes, got ${req.backdateMinutes}`);
  }
  if (req.memberName.trim() === "") throw usageError("bad-name", "--name: the member name is empty");
  for (const ip of req.sans.ips) {
    if (normalizeIp(ip) === undefined) throw usageError("bad-san", `--san: '${ip}' is not an IP address`);
  }
  req.sans.dns.forEach(checkSan);
}
