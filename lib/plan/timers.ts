/**
 * The scheduled jobs install and join set up on every member, from the flags. Pure. A new job is one
 * {@link timerJob} line here (and its flags in lib/cli/specs/install.ts `timerFlags`).
 */
import type { FlagValues } from "../cli/spec.ts";
import type { TimerJob } from "../timers/job.ts";

/** The timers the plan wants, in the order they are enabled. */
export function plannedTimers(_values: FlagValues): TimerJob[] {
  return [];
}
