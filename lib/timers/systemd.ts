/**
 * What systemd says about etcdup's scheduled jobs: whether it accepts a schedule (`systemd-analyze calendar`,
 * a host read that only the live host with systemd can answer: under --root or without systemd-analyze the
 * shape check of {@link calendarExpression} stands alone), and enabling, starting and retiring the timers
 * (the steps the dry run shows for them are lib/plan/timer_units.ts's timerSteps).
 */
import type { Output } from "../output.ts";
import { EtcdupError, Exit } from "../errors.ts";
import type { HostRoot } from "../host/fs.ts";
import type { OwnedFile } from "../files.ts";
import { analyzeCalendar, type ServiceManager } from "../host/systemd.ts";
import { sha256Hex } from "../hash.ts";
import { type TimerJob, timerUnit, UNIT_DIR } from "../plan/timer_units.ts";

/**
 * Asks `systemd-analyze calendar` about each job's schedule on the live host; a schedule systemd rejects is a
 * usage error naming the job's flag. Nothing is asked under --root or when systemd-analyze is missing.
 */
export async function checkCalendars(host: HostRoot, jobs: TimerJob[]): Promise<void> {
  if (!host.isLive) return;
  for (const job of jobs) {
    const r = await analyzeCalendar(job.schedule, 1);
    if (r && !r.ok) {
      throw new EtcdupError({
        code: "bad-schedule",
        message: `--${job.scheduleFlag}: systemd does not accept '${job.schedule}': ${r.message}`,
        hint: "Give an OnCalendar= value (systemd.time(7)); try it with 'systemd-analyze calendar EXPR'.",
        exit: Exit.usage,
      });
    }
  }
}

/** Stops and disables a timer and the service it starts (those that are active or enabled). */
export async function stopTimer(svc: ServiceManager, timer: string): Promise<void> {
  const service = timer.replace(/\.timer$/, ".service");
  for (const unit of [timer, service]) if (await svc.isActive(unit)) await svc.stop(unit);
  if (await svc.isEnabled(timer)) await svc.disable(timer);
}

/**
 * Creates the directories each job writes (root 0700) when missing and enables its timer (and, on the live
 * host with `start`, starts it, or restarts it when its units changed), after stopping, disabling and removing the units of `retired` timers whose content is still as
 * `recorded`. Returns what it did, e.g. "enabled etcdup-backup.timer".
 */
export async function runTimers(
  svc: ServiceManager,
  host: HostRoot,
  jobs: TimerJob[],
  opts: { retired: string[]; recorded: Record<string, OwnedFile>; changed: boolean; start: boolean },
  out: Output,
): Promise<string[]> {
  const did: string[] = [];
  for (const timer of opts.retired) {
    await stopTimer(svc, timer);
    for (const unit of [timer, timer.replace(/\.timer$/, ".service")]) {
      const p = `${UNIT_DIR}/${unit}`;
      const data = host.read(p);
      if (data && opts.recorded[p]?.sha256 === sha256Hex(data)) host.remove(p);
    }
    out.step(`retired ${timer}`);
    did.push(`retired ${timer}`);
  }
  if (svc.live && (opts.changed || opts.retired.length > 0)) await svc.daemonReload();
  for (const job of jobs) {
    const unit = timerUnit(job);
    for (const dir of job.writePaths) {
      if (host.stat(dir) !== undefined) continue;
      host.ensureDir(dir, { uid: 0, gid: 0, mode: 0o700 });
      out.step(`created ${dir} (root 0700) for ${unit}`);
    }
    if (!(await svc.isEnabled(unit))) {
      await svc.enable(unit);
      did.push(`enabled ${unit}`);
      out.step(`enabled ${unit} (${job.schedule})`);
    }
    if (!svc.live || !opts.start) continue;
    if (!(await svc.isActive(unit))) {
      await svc.start(unit);
      did.push(`started ${unit}`);
    } else if (opts.changed) {
      await svc.restart(unit);
      did.push(`restarted ${unit}`);
    }
  }
  return did;
}
