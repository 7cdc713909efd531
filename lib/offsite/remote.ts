/**
 * From flag values to an S3 client: the settings a command records (for the timer's later runs: no secret
 * among them, only where the credentials file is) and the client they open.
 */
import type { Options } from "../specs/spec.ts";
import type { s3Flags } from "../specs/offsite.ts";
import { usageError } from "../errors.ts";
import type { HttpOptions } from "../release/http.ts";
import { readMirrorCa } from "../release/mirror_ca.ts";
import { loadCredentials } from "./credentials.ts";
import { resolveLocation } from "./location.ts";
import { S3Client } from "./s3.ts";

/** Where uploads go, as recorded in state; never holds a secret. */
export interface RemoteSettings {
  url: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  caFile?: string;
  credentialsFile?: string;
}

const S3_ONLY = ["s3-endpoint", "s3-region", "s3-path-style", "s3-ca", "s3-credentials"] as const;

/** The S3 flags as a command's typed options hold them (each optional: restore names the bucket itself). */
export type S3Options = Partial<Options<typeof s3Flags>>;

/**
 * The settings the flags give, or undefined without `--upload`/`url`; refuses (exit 2) S3 flags without a
 * bucket, and checks what planning can: the URL, the endpoint and the CA file.
 */
export function remoteSettings(
  options: S3Options,
  url = options.upload,
): RemoteSettings | undefined {
  if (!url) {
    const stray = S3_ONLY.find((f) => options[f] !== undefined && options[f] !== false);
    if (stray) {
      throw usageError("s3-flag-without-upload", `--${stray} only applies with --upload s3://BUCKET/PREFIX`);
    }
    return undefined;
  }
  const settings: RemoteSettings = {
    url,
    endpoint: options["s3-endpoint"],
    region: options["s3-region"],
    pathStyle: options["s3-path-style"] ? true : undefined,
    caFile: options["s3-ca"],
    credentialsFile: options["s3-credentials"],
  };
  resolveLocation({
    url,
    endpoint: settings.endpoint,
    region: settings.region,
    pathStyle: settings.pathStyle,
  });
  if (settings.caFile) readMirrorCa(settings.caFile, "--s3-ca");
  return settings;
}

/**
 * Opens a client for the settings: credentials from their file or `env`, proxies from `env`; `timing`
 * shortens retries and timeouts (status).
 */
export function openRemote(
  settings: RemoteSettings,
  env: Record<string, string | undefined>,
  timing: Pick<HttpOptions, "retries" | "connectTimeoutMs" | "idleTimeoutMs"> = {},
): S3Client {
  return new S3Client({
    location: resolveLocation({ ...settings, env }),
    credentials: loadCredentials(settings.credentialsFile, env),
    http: { env, caFile: settings.caFile, ...timing },
  });
}
