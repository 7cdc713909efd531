/**
 * Restore's plan: what one `etcdup restore` does, decided from what was observed (lib/backup/observed.ts)
 * alone, as one value that `--dry-run` renders and the run carries out (lib/backup/restore.ts): the source
 * and how it is verified (and decrypted), the names a new restore takes (aside, staging, cluster token) or
 * those an unfinished one recorded, the member the new one-member cluster is made of, and the restart.
 * Pure: data in, data out.
 */
import * as path from "node:path";
import { EtcdupError, Exit, usageError, verificationError } from "../errors.ts";
import { asideName } from "../host/aside.ts";
import { WAL_SUBDIR } from "../plan/desired.ts";
import type { RestoreMarker } from "./marker.ts";
import type { SnapshotRecord } from "./store.ts";
import type { AgeHeaderCheck, ObservedSnapshotFile, RestoreObserved } from "./observed.ts";

/** The names a restore takes when it begins, kept in its marker. */
export interface RestoreNames {
  /** Where the old data dir goes (target path). */
  aside: string;
  /** Where the new data dir is built (target path). */
  staging: string;
  clusterToken: string;
  startedAt: string;
}

/** Everything one restore run does. */
export interface RestorePlan {
  /** What is restored from, as named. */
  from: string;
  /** How the source is verified and made a plaintext snapshot before the restore. */
  verify: string[];
  /** Finishing an unfinished restore (its marker's names) rather than beginning one. */
  resume: boolean;
  names: RestoreNames;
  /** The data dir restored into (target path), and whether one is there to move aside. */
  target: string;
  moveAside: boolean;
  /** With a `--wal-dir`: the live WAL, where the new one is built, where the old one goes. */
  wal?: { live: string; staging: string; aside: string };
  /** The member of the new one-member cluster. */
  member: { name: string; peerUrl: string; initialCluster: string };
  /** Whether the member's other members are asked first (a restore would split a running cluster off). */
  checkCluster: boolean;
  /** etcd stopped for the swap (it runs now), started after, health and revision checked (not --root). */
  stop: boolean;
  start: boolean;
}

/** The names of a restore of the member with data dir `dataDir` begun at `now`. */
export function restoreNames(dataDir: string, now: Date): RestoreNames {
  const aside = asideName(dataDir, "restore", now);
  const stamp = aside.slice(aside.lastIndexOf("-") + 1);
  return {
    aside,
    staging: `${dataDir}.restore-${stamp}`,
    clusterToken: `etcd-restore-${stamp.toLowerCase()}`,
    startedAt: now.toISOString(),
  };
}

/**
 * Where the WAL goes when the member keeps it in a dedicated `--wal-dir` (etcd's WAL is `DIR/wal`): the
 * live WAL, the one being built, and the old one moved aside, all inside DIR (one filesystem, so renames).
 */
export function walPaths(
  walDir: string | undefined,
  aside: string,
): { live: string; staging: string; aside: string } | undefined {
  if (!walDir) return undefined;
  const stamp = aside.slice(aside.lastIndexOf("-") + 1);
  const live = path.join(walDir, WAL_SUBDIR);
  return { live, staging: `${live}.restore-${stamp}`, aside: `${live}.before-restore-${stamp}` };
}

/**
 * Refuses (`restore-in-progress`, exit 7) a restore of `file` while the restore `pending` records is
 * unfinished for another file, or for this one changed since (`sha256`, once known).
 */
export function refuseOtherPending(
  pending: RestoreMarker | undefined,
  file: string,
  where: string,
  sha256?: string,
): void {
  if (!pending) return;
  if (pending.file !== file) {
    throw new EtcdupError({
      code: "restore-in-progress",
      message: `a restore of ${pending.file} began at ${pending.startedAt} and did not finish (${where})`,
      hint:
        `Finish it first: 'etcdup restore ${pending.file}'. The data dir before it is kept in ${pending.aside}.`,
      exit: Exit.precondition,
    });
  }
  if (sha256 !== undefined && pending.sha256 !== sha256) {
    throw new EtcdupError({
      code: "restore-in-progress",
      message: `${file} changed since the unfinished restore of it began at ${pending.startedAt}`,
      hint: `Put the snapshot back as it was, or move ${where} aside to start over.`,
      exit: Exit.precondition,
    });
  }
}

/** A snapshot file named that is none (missing, not a regular file): `snapshot-missing`, exit 2. */
export function snapshotMissing(snap: ObservedSnapshotFile): EtcdupError {
  return usageError(
    "snapshot-missing",
    `${snap.file} is not a snapshot file (${snap.missing})`,
    "Name a snapshot file, e.g. one 'etcdup backup list' shows.",
  );
}

/**
 * Refuses an encrypted snapshot file as the run's decryption step does, in its order, from what was observed:
 * none (`snapshot-missing`), no `--identity` (`identity-required`), no record to check it by
 * (`snapshot-unverified`), a digest that differs from the record's (`snapshot-digest-mismatch`, once the
 * digest is read: the dry run reads it, the run just before decrypting), an age header the identity does not
 * open (`age-wrong-identity`, `age-decrypt-failed`: the dry run reads it, the run finds it decrypting).
 * Returns the record and identities the decryption uses.
 */
export function refuseEncrypted(
  snap: ObservedSnapshotFile,
  identities: string[] | undefined,
): { record: SnapshotRecord; identities: string[] } {
  if (snap.missing !== undefined) throw snapshotMissing(snap);
  if (!identities) {
    throw usageError(
      "identity-required",
      `${snap.file} is encrypted (age) and no --identity was given`,
      "Pass --identity FILE: the age identity whose public key the backups were encrypted to.",
    );
  }
  const { record, sha256 } = snap;
  if (!record) {
    throw new EtcdupError({
      code: "snapshot-unverified",
      message: `${snap.file} has no record beside it, so its digest cannot be checked before decrypting`,
      hint: "Keep the .json record beside the snapshot (etcdup writes them together).",
      exit: Exit.verification,
    });
  }
  if (sha256 !== undefined && sha256 !== record.sha256) {
    throw verificationError(
      "snapshot-digest-mismatch",
      `${snap.file}: its SHA-256 ${sha256} differs from the one recorded beside it (${record.sha256})`,
      "Nothing was changed. Restore another snapshot ('etcdup backup list' checks them all).",
    );
  }
  refuseHeader(snap.header);
  return { record, identities };
}

/** Refuses an age header the identity did not open, as the run's decryption would (exit 3). */
function refuseHeader(header: AgeHeaderCheck | undefined): void {
  if (header && !header.opens) throw new EtcdupError(header.refusal);
}

/** The verification steps for the source, in words (what the dry run read is said as found). */
function verifySteps(o: RestoreObserved, identity: string | undefined): string[] {
  const s = o.source;
  const check = "check it with snapshot status and against this member's etcd version";
  if (s.kind === "s3") {
    const r = s.remote;
    if (!r) {
      return [
        `download ${
          s.latest ? `the newest etcdup snapshot under ${s.url ?? "the recorded upload"}` : s.url
        } ` +
        `and its record into a work dir in the backup dir, verify its SHA-256`,
        ...(identity ? [`decrypt it with --identity ${identity} when it is encrypted`] : []),
        check,
      ];
    }
    return [
      `download ${r.url} (${r.size} bytes; its record read now) into a work dir in the backup dir, ` +
      `verify its SHA-256 against the record's ${r.recordSha256}`,
      ...(r.encrypted
        ? [`decrypt it with --identity ${identity} (its age header opens with it: read now)`]
        : []),
      check,
    ];
  }
  const snap = s.snapshot;
  const digest = snap.missing !== undefined
    ? `it is no snapshot file (${snap.missing})`
    : snap.sha256 === undefined
    ? "its SHA-256 against its record, before decrypting"
    : snap.record
    ? `SHA-256 ${snap.sha256} ${snap.record.sha256 === snap.sha256 ? "matches" : "DIFFERS from"} its record`
    : `SHA-256 ${snap.sha256}; ${snap.recordProblem}`;
  return [
    `verify ${snap.file}: ${digest}${snap.sha256 === undefined ? "" : " (read now)"}`,
    ...(snap.encrypted
      ? [
        `decrypt it with --identity ${identity} into a work dir in the backup dir${
          snap.header ? " (its age header opens with it: read now)" : ""
        }`,
      ]
      : []),
    check,
  ];
}

/**
 * Plans a restore at `now` from what was observed; `identity` is `--identity`, `markerFile` where the marker
 * is on this host (real path, for a refusal's words). A pending marker for another local file is refused
 * here already, as the run refuses it, and so is an encrypted file the run's decryption would refuse
 * ({@link refuseEncrypted}).
 */
export function planRestore(
  o: RestoreObserved,
  opts: { force: boolean; identity?: string; markerFile: string },
  now: Date,
): RestorePlan {
  const { state, source, pending } = o;
  if (source.kind === "file" && source.snapshot.encrypted) {
    refuseEncrypted(source.snapshot, source.identities);
  }
  if (source.kind === "s3") refuseHeader(source.remote?.header);
  if (source.kind === "file" && !source.snapshot.encrypted) {
    refuseOtherPending(pending, source.snapshot.file, opts.markerFile);
  }
  const names = pending ?? restoreNames(state.dataDir, now);
  const peerUrl = state.peerUrls[0];
  return {
    from: source.kind === "file"
      ? source.snapshot.file
      : source.remote?.url ?? source.url ?? "the recorded upload",
    verify: verifySteps(o, opts.identity),
    resume: pending !== undefined,
    names: {
      aside: names.aside,
      staging: names.staging,
      clusterToken: names.clusterToken,
      startedAt: names.startedAt,
    },
    target: state.dataDir,
    moveAside: pending ? pending.hadDataDir : o.dataDirExists,
    ...(state.walDir ? { wal: walPaths(state.walDir, names.aside) } : {}),
    member: { name: state.name, peerUrl, initialCluster: `${state.name}=${peerUrl}` },
    checkCluster: !pending && !opts.force,
    stop: o.unit.active,
    start: o.unit.live,
  };
}

/** The plan as text, the steps in the run's order. */
export function renderRestorePlan(plan: RestorePlan): string {
  const n = plan.names;
  return [
    `restore --dry-run: nothing is changed`,
    ...(plan.resume ? [`finishes the unfinished restore begun at ${n.startedAt}`] : []),
    ...plan.verify.map((v) => `would ${v}`),
    ...(plan.checkCluster
      ? ["would refuse if etcd runs in a cluster with other members (--force: restore anyway)"]
      : []),
    `would build the new data dir in ${n.staging} as ${plan.member.name} (${plan.member.initialCluster}, token ${n.clusterToken})`,
    ...(plan.wal
      ? [`would build the new WAL in ${plan.wal.staging}, the old one going to ${plan.wal.aside}`]
      : []),
    ...(plan.stop ? ["would stop etcd"] : []),
    plan.moveAside
      ? `would move the old data dir ${plan.target} aside to ${n.aside} (never deleted)`
      : `no data dir in ${plan.target} to move aside`,
    `would put the new data dir in place at ${plan.target} (etcd:etcd 0700) and name the one-member cluster in the env file and state record`,
    plan.start
      ? "would start etcd and wait for health over mutual TLS and the snapshot's revision"
      : "would not start etcd (--root)",
  ].join("\n");
}

/** The marker of a new restore of `checked` with the plan's names. */
export function newMarker(
  plan: RestorePlan,
  checked: { file: string; sha256: string; status: { revision: number } },
): RestoreMarker {
  return {
    schema: 1,
    file: checked.file,
    sha256: checked.sha256,
    revision: checked.status.revision,
    clusterToken: plan.names.clusterToken,
    aside: plan.names.aside,
    staging: plan.names.staging,
    hadDataDir: plan.moveAside,
    startedAt: plan.names.startedAt,
  };
}
