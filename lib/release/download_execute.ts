/**
 * Carries out a download's steps (lib/release/download_plan.ts) in their order, each by its one case here:
 * the directory made, dead runs' staging dirs removed, each tarball fetched and fully verified (digest,
 * layout, ELF arch; lib/release/obtain.ts) in a staging dir inside the output dir and renamed into place,
 * its line written into SHA256SUMS (atomically, after each tarball, so what is there is always covered).
 * A failure removes the directories this run made that it left empty.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EtcdupError } from "../errors.ts";
import type { Output } from "../output.ts";
import type { HostRoot } from "../host/fs.ts";
import { removeStaging } from "./binaries.ts";
import type { DownloadObserved, DownloadPlan, DownloadStep } from "./download_plan.ts";
import { AIR_GAP_ADVICE } from "./http.ts";
import { obtainRelease, type Trust } from "./obtain.ts";
import { parseSha256Sums, renderSha256Sums } from "./source.ts";
import type { Arch } from "./manifest.ts";

/** A tarball fetched and verified. */
export interface Fetched {
  file: string;
  sha256: string;
  trust: Trust;
  arch: Arch;
}

/** What the steps write with: the running user owns what download makes. */
interface Run {
  host: HostRoot;
  plan: DownloadPlan;
  own: { uid: number; gid: number; mode: number };
  out: Output;
  env: Record<string, string | undefined>;
  /** SHA256SUMS's entries as they are being written. */
  sums: Map<string, string>;
  fetched: Fetched[];
}

/**
 * Removes the directories this run created (`dir` up to, not including, `existing`) that a failure left
 * empty; anything with content stays.
 */
function removeCreated(dir: string, existing: string): void {
  for (let d = dir; d !== existing && d !== path.dirname(d); d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty: keep it and its parents
    }
  }
}

/**
 * A network error's hint for `download`, which takes no --tarball or --bundle: it is the command that makes
 * them, on a machine with access to the mirror.
 */
function forDownload(err: unknown): unknown {
  if (!(err instanceof EtcdupError) || !err.hint?.includes(AIR_GAP_ADVICE)) return err;
  const hint = err.hint.replace(
    AIR_GAP_ADVICE,
    "'etcdup download' needs the mirror (--mirror URL) reachable from here: run it on a connected machine " +
      "and carry --output DIR across",
  );
  return new EtcdupError({ code: err.code, message: err.message, hint, exit: err.exit, cause: err });
}

/** Fetches and verifies one arch's tarball into the output dir. */
async function fetchOne(r: Run, step: Extract<DownloadStep, { kind: "fetch" }>): Promise<void> {
  const { request } = r.plan;
  const staged = await obtainRelease({
    version: request.version,
    arch: step.arch,
    ...(request.sha256 !== undefined ? { sha256: request.sha256 } : {}),
    source: { kind: "mirror", baseUrl: request.mirror, caFile: request.mirrorCa },
    stagingParent: request.dir,
    keepTarball: true,
    env: r.env,
  }, r.out);
  try {
    fs.chownSync(staged.tarball!, r.own.uid, r.own.gid);
    fs.chmodSync(staged.tarball!, r.own.mode);
    fs.renameSync(staged.tarball!, step.path);
    r.sums.set(path.basename(step.path), staged.sha256);
    r.fetched.push({ file: step.path, sha256: staged.sha256, trust: staged.trust, arch: step.arch });
  } finally {
    staged.cleanup();
  }
}

/** Carries out one step. */
async function runStep(r: Run, step: DownloadStep): Promise<void> {
  switch (step.kind) {
    case "create-dir":
      r.host.ensureDir(step.path, { ...r.own, mode: 0o755 });
      return;
    case "remove-staging":
      removeStaging(r.host, step.path);
      r.out.info(`removed stale staging dir ${step.path}`);
      return;
    case "fetch":
      return await fetchOne(r, step);
    case "write-sums":
      r.host.writeAtomic(step.path, renderSha256Sums(r.sums), r.own);
      return;
  }
}

/**
 * Runs the steps of `plan`, made from `seen`; returns the steps done and the tarballs fetched. On failure
 * the directories it made and left empty are removed.
 */
export async function executeDownload(
  host: HostRoot,
  plan: DownloadPlan,
  seen: DownloadObserved,
  o: { out: Output; env: Record<string, string | undefined> },
): Promise<{ steps: DownloadStep[]; fetched: Fetched[] }> {
  const r: Run = {
    host,
    plan,
    own: { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0, mode: 0o644 },
    out: o.out,
    env: o.env,
    sums: parseSha256Sums(seen.sums ?? ""),
    fetched: [],
  };
  const done: DownloadStep[] = [];
  try {
    for (const step of plan.steps) {
      await runStep(r, step);
      done.push(step);
    }
  } catch (err) {
    removeCreated(plan.request.dir, seen.existing);
    throw forDownload(err);
  }
  return { steps: done, fetched: r.fetched };
}
