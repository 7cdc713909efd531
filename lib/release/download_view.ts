/**
 * How `download --dry-run` prints its plan (lib/release/download_plan.ts): each step with its reason, what is
 * kept, as text or `--json` data. Pure.
 */
import type { DownloadPlan, DownloadStep } from "./download_plan.ts";

/** A step as one line of text. */
function stepLine(s: DownloadStep): string {
  switch (s.kind) {
    case "create-dir":
      return `create ${s.path} (${s.reason})`;
    case "remove-staging":
      return `remove ${s.path} (${s.reason})`;
    case "fetch":
      return `fetch ${s.url} -> ${s.path} (${s.action}: ${s.reason}; verified by ${s.verify}, unpacked once ` +
        "to check its layout and binaries)";
    case "write-sums":
      return `${s.action} ${s.path}: the line for ${s.file} (${s.reason})`;
  }
}

/** `download --dry-run`'s data: the steps and what is kept. */
export function dryRunData(plan: DownloadPlan): Record<string, unknown> {
  const { version, dir } = plan.request;
  return { dryRun: true, version, dir, steps: plan.steps, kept: plan.kept, keptSums: plan.keptSums };
}

/** `download --dry-run`'s text. */
export function renderDownloadPlan(plan: DownloadPlan): string {
  const { version, dir, arches } = plan.request;
  return [
    `Would download etcd ${version} into ${dir}:`,
    ...plan.steps.map((s) => `  ${stepLine(s)}`),
    ...(plan.kept.length > 0 ? ["Kept as they are:", ...plan.kept.map((p) => `  ${p}`)] : []),
    ...(plan.keptSums.length > 0 ? [`SHA256SUMS keeps its lines for: ${plan.keptSums.join(", ")}`] : []),
    `Then install on the air-gapped host with: etcdup install --bundle ${dir}${
      arches.length > 1 ? "" : ` --arch ${arches[0]}`
    }`,
  ].join("\n");
}
