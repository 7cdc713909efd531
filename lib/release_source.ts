/**
 * Where the release tarball comes from, as data: planned from the flags (lib/plan/types.ts) and kept in the
 * state record (lib/host/state.ts) so that a re-run uses the same source. In the core so that the host's
 * record does not import the plan.
 */

/** Where the release tarball comes from. */
export type PlannedSource =
  | { kind: "mirror"; baseUrl: string; caFile?: string }
  | { kind: "tarball"; path: string }
  | { kind: "bundle"; dir: string };
