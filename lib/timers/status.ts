/**
 * etcdup's timers as `etcdup status` shows them: enabled or not, the next run, and how the last run of the
 * service it starts ended (systemd's own record: `Result`, exit status and time).
 */
import type { HostRoot } from "../host/fs.ts";
import { serviceManager, unitProperties } from "../host/systemd.ts";

/** One timer's state. */
export interface TimerStatus {
  timer: string;
  enabled: boolean;
  /** When it fires next (systemd's wording), when known. */
  next?: string;
  /** When the service last ran to the end, when it has. */
  lastRun?: string;
  /** `success`, or why the last run failed (`exit-code 1`, `timeout`, ...). */
  lastResult?: string;
}

/** systemd's "n/a"/empty means unknown. */
const known = (v: string | undefined): string | undefined => v && v !== "n/a" && v !== "0" ? v : undefined;

/** The state of each of `timers` (unit names, e.g. "etcdup-certs.timer"). */
export async function timerStatuses(host: HostRoot, timers: string[]): Promise<TimerStatus[]> {
  const svc = serviceManager(host);
  return await Promise.all(timers.map(async (timer) => {
    const service = timer.replace(/\.timer$/, ".service");
    const t = await unitProperties(host, timer, ["NextElapseUSecRealtime"]);
    const s = await unitProperties(host, service, ["Result", "ExecMainStatus", "ExecMainExitTimestamp"]);
    const lastRun = known(s.ExecMainExitTimestamp);
    const result = !lastRun
      ? undefined
      : s.Result === "success"
      ? "success"
      : `${s.Result ?? "failed"}${
        s.ExecMainStatus && s.ExecMainStatus !== "0" ? ` ${s.ExecMainStatus}` : ""
      }`;
    return {
      timer,
      enabled: await svc.isEnabled(timer),
      ...(known(t.NextElapseUSecRealtime) ? { next: t.NextElapseUSecRealtime } : {}),
      ...(lastRun ? { lastRun } : {}),
      ...(result ? { lastResult: result } : {}),
    };
  }));
}

/**
 * The problems of `statuses` for status's list: a timer not enabled, a last run that failed.
 * @example timerProblems([{ timer: "etcdup-certs.timer", enabled: true, lastResult: "exit-code 1" }])
 * // ["etcdup-certs.service: last run failed (exit-code 1); see 'journalctl -u etcdup-certs.service'"]
 */
export function timerProblems(statuses: TimerStatus[]): string[] {
  const out: string[] = [];
  for (const s of statuses) {
    const service = s.timer.replace(/\.timer$/, ".service");
    if (!s.enabled) out.push(`${s.timer} is not enabled`);
    if (s.lastResult && s.lastResult !== "success") {
      out.push(`${service}: last run failed (${s.lastResult}); see 'journalctl -u ${service}'`);
    }
  }
  return out;
}

/** One line per timer for status's text. */
export function formatTimers(statuses: TimerStatus[]): string[] {
  if (statuses.length === 0) return ["timers: none"];
  return [
    "timers:",
    ...statuses.map((s) =>
      `  ${s.timer.padEnd(24)} ${s.enabled ? "enabled" : "NOT enabled"}, next ${s.next ?? "-"}, last ${
        s.lastRun ? `${s.lastRun}: ${s.lastResult}` : "never ran"
      }`
    ),
  ];
}
