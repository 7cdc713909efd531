/**
 * The plan and its outcome for people (`--dry-run` text, the final summary) and as data (`--json`).
 * Pure: it formats what the command decided.
 */
import type { FileAction } from "../files.ts";
import type { InstallPlan } from "./types.ts";

/** One file or directory line of the view. */
export interface ViewEntry {
  path: string;
  owner: string;
  mode: string;
  /** What applying does (or did): create, update, keep, keep-edited, fix-owner-mode, install, generate... */
  action: FileAction | "install" | "generate" | "replace" | "fix-owner" | "skip";
  note?: string;
}

/** Everything `--dry-run` shows, and `--json` prints. */
export interface PlanView {
  release: { version: string; arch: string; source: string; sha256?: string; verification?: string };
  user: { name: string; action: "create" | "keep"; uid?: number };
  member: {
    name: string;
    clientUrls: string[];
    peerUrls: string[];
    initialCluster: string;
    clusterToken: string;
  };
  dirs: ViewEntry[];
  files: ViewEntry[];
  service: string[];
  notes: string[];
}

/** "root:etcd" style owner for display; `etcd` is undefined while the account is still to be made. */
export function ownerName(uid: number, gid: number, etcd: { uid: number; gid: number } | undefined): string {
  const name = (id: number, etcdId?: number) => (id === 0 ? "root" : id === etcdId ? "etcd" : String(id));
  return `${name(uid, etcd?.uid)}:${name(gid, etcd?.gid)}`;
}

/** "0644" style mode. */
export function modeString(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** Describes the release source in one phrase. */
export function sourceText(plan: InstallPlan): string {
  const s = plan.release.source;
  return s.kind === "mirror"
    ? `download from ${s.baseUrl}${s.caFile ? ` (extra CA ${s.caFile})` : ""}`
    : s.kind === "tarball"
    ? `tarball ${s.path}`
    : `bundle ${s.dir}`;
}

/** The view's header facts from the plan. */
export function baseView(plan: InstallPlan): Pick<PlanView, "release" | "member"> {
  return {
    release: {
      version: plan.release.version,
      arch: plan.release.arch,
      source: sourceText(plan),
      ...(plan.release.sha256 ? { sha256: plan.release.sha256 } : {}),
    },
    member: {
      name: plan.member.name,
      clientUrls: plan.member.advertiseClientUrls,
      peerUrls: plan.member.advertisePeerUrls,
      initialCluster: plan.member.initialCluster,
      clusterToken: plan.member.clusterToken,
    },
  };
}

/** Text for `--dry-run`: every file with owner and mode, users, release, service actions. */
export function renderPlanText(view: PlanView, root: string): string {
  const lines = [
    `Dry run: nothing is written now. The run will install${
      root === "/" ? "" : ` under --root ${root}`
    }: etcd ${view.release.version} (${view.release.arch}), ${view.release.source}`,
    ...(view.release.verification ? [`  verification: ${view.release.verification}`] : []),
    `  member ${view.member.name}: clients ${view.member.clientUrls.join(",")}, peers ${
      view.member.peerUrls.join(",")
    }`,
    `  initial cluster ${view.member.initialCluster} (token ${view.member.clusterToken})`,
    `  user ${view.user.name}: ${
      view.user.action === "create" ? "create (system, no login shell)" : `exists (uid ${view.user.uid})`
    }`,
    "",
    "Directories:",
    ...view.dirs.map(entryLine),
    "",
    "Files:",
    ...view.files.map(entryLine),
    "",
    "Service:",
    ...view.service.map((s) => `  ${s}`),
  ];
  if (view.notes.length > 0) lines.push("", "Notes:", ...view.notes.map((n) => `  ${n}`));
  return lines.join("\n") + "\n";
}

function entryLine(e: ViewEntry): string {
  return `  ${e.action.padEnd(15)} ${e.mode} ${e.owner.padEnd(10)} ${e.path}${e.note ? `  (${e.note})` : ""}`;
}
