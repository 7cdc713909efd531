/**
 * Member URLs as etcd's member API and the join command see them: normalised so that URLs written
 * differently (host case, IPv6 spelling, a trailing slash) compare equal.
 */
import { usageError } from "../errors.ts";

/**
 * Normalises an https member URL to `https://host:port` (lower-case host, compressed IPv6, no trailing
 * slash). Throws a usage error naming `what` when `url` is not an https URL with an explicit port and no path.
 * @example normalizeUrl("https://[FD00:0::1]:2380/", "ENDPOINT") // "https://[fd00::1]:2380"
 */
export function normalizeUrl(url: string, what: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(
      "bad-url",
      `${what}: '${url}' is not a URL`,
      "Write https://ADDRESS:PORT; bracket IPv6 literals (https://[fd00::1]:2379).",
    );
  }
  if (u.protocol !== "https:") {
    throw usageError(
      "bad-url",
      `${what}: '${url}' is not https`,
      "etcdup runs every member URL over TLS: use https://.",
    );
  }
  if (
    u.port === "" || u.username || u.password || u.search || u.hash ||
    (u.pathname !== "/" && u.pathname !== "")
  ) {
    throw usageError(
      "bad-url",
      `${what}: '${url}' must be https://ADDRESS:PORT with an explicit port and nothing after it`,
      "Write e.g. https://10.0.0.1:2379.",
    );
  }
  return `https://${u.host.toLowerCase()}`;
}
