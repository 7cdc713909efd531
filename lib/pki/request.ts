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
    throw usageError(
      "bad-validity",
      `${flag}: validity must be a whole number of days from 1 to ${MAX_DAYS}, got ${days}`,
      `Pass e.g. ${flag} 365.`,
    );
  }
}

/** Validates the request's values (exit 2 naming the flag). */
export function validateRequest(req: PkiRequest): void {
  checkDays("--cert-days", req.certDays);
  checkDays("--ca-days", req.caDays);
  if (req.certDays > req.caDays) {
    throw usageError(
      "bad-validity",
      `--cert-days ${req.certDays} is longer than --ca-days ${req.caDays}`,
      "A leaf cannot outlive the CA that signs it; shorten --cert-days or lengthen --ca-days.",
    );
  }
  if (req.backdateMinutes !== undefined && !(req.backdateMinutes >= 0 && req.backdateMinutes <= 1440)) {
    throw usageError("bad-validity", `--backdate: must be 0 to 1440 minutes, got ${req.backdateMinutes}`);
  }
  if (req.memberName.trim() === "") throw usageError("bad-name", "--name: the member name is empty");
  for (const ip of req.sans.ips) {
    if (normalizeIp(ip) === undefined) throw usageError("bad-san", `--san: '${ip}' is not an IP address`);
  }
  req.sans.dns.forEach(checkSan);
}
