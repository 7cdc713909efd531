/**
 * The data the PKI planners share: what is asked for ({@link PkiRequest}), what is on disk
 * ({@link ObservedPki}, gathered by observe.ts before any planning), and what planning decides
 * ({@link PkiPlan}). Kept apart from the planners so that they all depend on it and it on none of them
 * (only on the type leaves algorithms, layout, profiles and sans): no import cycle inside lib/pki/.
 */
import type { KeyAlgorithm } from "./algorithms.ts";
import type { Layout, PkiPaths } from "./layout.ts";
import type { LeafRole } from "./profiles.ts";
import type { Sans } from "./sans.ts";

/** What the PKI should be. */
export interface PkiRequest {
  layout: Layout;
  pkiDir: string;
  /** Algorithm of new keys (existing valid keys are kept whatever their algorithm). */
  algorithm: KeyAlgorithm;
  memberName: string;
  /** Names server and peer certificates must cover. */
  sans: Sans;
  certDays: number;
  caDays: number;
  /** A CA to use (from --ca-from, or --ca-cert + --ca-key). */
  ca?: { certPem: string; keyPem: string; source?: string };
  now: Date;
  /** NotBefore backdating in minutes (default 5). */
  backdateMinutes?: number;
  /** Leaves to reissue even when valid (`certs renew`). */
  reissue?: LeafRole[];
  /** Keep the existing key of reissued leaves (`certs renew --reuse-keys`). */
  reuseKeys?: boolean;
  /**
   * Reissued server and peer certificates cover exactly `sans`, dropping names only the old certificate
   * had (`certs renew --reset-sans`); by default they keep their old names too.
   */
  exactSans?: boolean;
}

/** The accounts a PKI file belongs to by name, so a plan can be made before the etcd user exists. */
export type OwnerName = "root" | "etcd";

/**
 * Who owns a planned file: root or the etcd user by name (their ids are looked up only when the file is
 * written), or the numeric owner of a file kept as its user made it (a `--for-user` pair, a client key).
 */
export type FileOwner = OwnerName | { uid: number; gid: number };

/** The ids of the etcd account: what "etcd" is when a file is observed or written. */
export interface EtcdIds {
  uid: number;
  gid: number;
}

/** One file of the plan. */
export interface PlannedFile {
  /** Target absolute path. */
  path: string;
  /** Full content (for kept files, what is on disk). */
  content: string;
  owner: FileOwner;
  mode: number;
  /** "ca-cert", "ca-key", "server-cert", "server-key", ... */
  role: string;
  /** keep: right as is; create: new file; replace: new content (old one backed up); fix-owner: owner/mode only. */
  action: "keep" | "create" | "replace" | "fix-owner";
}

/** The planned PKI. */
export interface PkiPlan {
  paths: PkiPaths;
  files: PlannedFile[];
  /** What planning decided, for the user: "kept valid CA", "reissued server: SAN drift (new 10.0.0.5)". */
  notes: string[];
  /** What the user should act on although the plan goes ahead (e.g. a given CA strict verifiers reject). */
  warnings?: string[];
  /** Whether any file is created, replaced or fixed. */
  changed: boolean;
}

/** One path as observed: nothing there, or what is there (the entry itself, a final symlink not followed). */
export type ObservedFile =
  | { missing: true; /** The path on this host (under --root), for messages. */ where: string }
  | {
    missing: false;
    where: string;
    isSymlink: boolean;
    /** A regular file (not a symlink, directory, FIFO...). */
    isFile: boolean;
    /** Number of hard links. */
    links: number;
    uid: number;
    gid: number;
    mode: number;
    /** The entry's stamp when observed (lib/host/fs.ts FileState): the writer refuses a file changed since. */
    stamp: string;
    /** The accounts these ids are (root is 0:0; etcd only when its account exists): empty for anyone else. */
    names: OwnerName[];
    /** The content (a final symlink followed inside the root), when it is readable as a regular file. */
    text?: string;
    /** Why it cannot be read (not a regular file: a directory, a FIFO), raised when planning reads it. */
    refused?: Error;
  };

/** Everything the PKI planners look at, read up front (see observe.ts). */
export interface ObservedPki {
  /** Every path a planner may look at, by target path; a path not here was not observed (a bug). */
  files: Record<string, ObservedFile>;
  /** The `*.crt` entries of the PKI directory (target paths, sorted; each one in `files`, its `.key` too). */
  dirCerts: string[];
  /** Complete files a killed run left beside `ca.key` (`.ca.key.etcdup-<pid>-<hex>.tmp`), with their text. */
  orphanCaKeys: { path: string; text: string }[];
  /** The text of the record of an unfinished CA switch (rotate-ca.pending.json), when there is one. */
  journal?: string;
  /** The text of the CA rotation's phase record (lib/state_record.ts CA_ROTATION_FILE), when there is one. */
  rotation?: string;
}
