/**
 * The offsite settings of the last `etcdup backup` given `--upload` or `--encrypt-to`, recorded (root 0600,
 * no secret: the bucket, endpoint, region, CA and credentials file paths, and public recipients) so the
 * backup timer's runs, which take no flags, upload and encrypt the same way, and `status` knows where to
 * look. `--upload none` / `--encrypt-to none` turn either off again.
 */
import type { HostRoot } from "../host/fs.ts";
import { loadRecipients } from "../backup/age.ts";
import { OFFSITE_RECORD } from "./paths.ts";
import { type RemoteSettings, remoteSettings, type S3Options } from "./remote.ts";

/** What a backup run uses. */
export interface OffsiteSettings {
  remote?: RemoteSettings;
  /** age recipients (public keys). */
  recipients: string[];
}

/** The recorded settings, or none. */
export function readOffsite(host: HostRoot): OffsiteSettings {
  const text = host.readText(OFFSITE_RECORD);
  if (text === undefined) return { recipients: [] };
  try {
    const r = JSON.parse(text) as OffsiteSettings;
    return { remote: r.remote, recipients: Array.isArray(r.recipients) ? r.recipients : [] };
  } catch {
    return { recipients: [] };
  }
}

/**
 * The settings for this run: the flags when given (then to be recorded for later runs: `record`), else the
 * recorded ones. Writes nothing: the dry run shows them, the run records them ({@link recordOffsite}).
 */
export function offsiteForRun(
  host: HostRoot,
  options: S3Options & { readonly "encrypt-to"?: readonly string[] },
): { settings: OffsiteSettings; record: boolean } {
  const recorded = readOffsite(host);
  const upload = options.upload;
  const given = options["encrypt-to"] ?? [];
  const encrypt = given.length > 0 ? [...given] : undefined; // none given: the recorded recipients stay
  if (upload === undefined && encrypt === undefined) {
    remoteSettings(options); // still refuses stray --s3-* flags
    return { settings: recorded, record: false };
  }
  const next: OffsiteSettings = {
    remote: upload === undefined ? recorded.remote : upload === "none" ? undefined : remoteSettings(options),
    recipients: encrypt === undefined
      ? recorded.recipients
      : encrypt.length === 1 && encrypt[0] === "none"
      ? []
      : loadRecipients(encrypt),
  };
  return { settings: next, record: true };
}

/** Records the settings a run was given, for the timer's later runs (root 0600). */
export function recordOffsite(host: HostRoot, settings: OffsiteSettings): void {
  host.writeAtomic(OFFSITE_RECORD, JSON.stringify(settings, null, 2) + "\n", { uid: 0, gid: 0, mode: 0o600 });
}
