/**
 * `etcdup download`: fetches and fully verifies release tarballs (digest, layout, ELF arch) into a directory,
 * with a SHA256SUMS covering them, to carry across an air gap for `etcdup install --bundle DIR`. In its
 * order: the flags checked (lib/release/download_plan.ts) -> observe the output directory and the local
 * source files (lib/observe/download.ts) -> plan the steps (lib/release/download_plan.ts) -> print them
 * (`--dry-run`, lib/release/download_view.ts) or carry out exactly them (lib/release/download_execute.ts).
 */
import * as path from "node:path";
import { Exit, type ExitCode } from "../errors.ts";
import type { ContextOf } from "../specs/spec.ts";
import type { downloadFlags } from "../specs/download.ts";
import { HostRoot } from "../host/fs.ts";
import { observeDownload } from "../observe/download.ts";
import { downloadRequest, planDownload } from "../release/download_plan.ts";
import { dryRunData, renderDownloadPlan } from "../release/download_view.ts";
import { executeDownload, type Fetched } from "../release/download_execute.ts";

/** What a finished download says. */
function describeDone(dir: string, version: string, fetched: Fetched[], arches: string[]): string {
  return [
    `Downloaded etcd ${version} into ${dir}:`,
    ...fetched.map((f) => `  ${path.basename(f.file)}  sha256 ${f.sha256} (verified by ${f.trust})`),
    `  SHA256SUMS`,
    `Install on the air-gapped host with: etcdup install --bundle ${dir}${
      arches.length > 1 ? "" : ` --arch ${arches[0]}`
    }`,
  ].join("\n");
}

/** Runs `etcdup download`. */
export async function run(ctx: ContextOf<typeof downloadFlags>): Promise<ExitCode> {
  const { options, out } = ctx;
  const output = options.output;
  const request = downloadRequest(
    options,
    output === undefined || output === "" ? undefined : path.resolve(output),
  );
  const host = new HostRoot("/");
  const observed = observeDownload(host, request);
  const plan = planDownload(request, observed);
  if (options["dry-run"]) {
    out.result(dryRunData(plan), renderDownloadPlan(plan));
    return Exit.ok;
  }
  const { steps, fetched } = await executeDownload(host, plan, observed, { out, env: ctx.env });
  const { dir, version, arches } = request;
  out.result(
    { version, dir, sha256sums: path.join(dir, "SHA256SUMS"), tarballs: fetched, steps },
    describeDone(dir, version, fetched, arches),
  );
  return Exit.ok;
}
