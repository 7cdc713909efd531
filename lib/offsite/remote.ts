/**
 * From flag values to an S3 client: the settings a command records (for the timer's later runs: no secret
 * among them, only where the credentials file is) and the client they open.
 */
import type { FlagValues } from "../command.ts";
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

/**
 * The settings the flags give, or undefined without `--upload`/`url`; refuses (exit 2) S3 flags without a
 * bucket, and checks what planning can: the URL, the endpoint and the CA file.
 */
export function remoteSettings(
  values: FlagValues,
  url = values.upload as string | undefined,
): RemoteSettings | undefined {
  if (!url) {
    const stray = S3_ONLY.find((f) => values[f] !== undefined && values[f] !== false);
    if (stray) {
      throw usageError("s3-flag-without-upload", `--${stray} only applies with --upload s3://BUCKET/PREFIX`);
    }
    return undefined;
  }
  const settings: RemoteSettings = {
    url,
    endpoint: values["s3-endpoint"] as string | undefined,
    region: values["s3-region"] as string | undefined,
    pathStyle: values["s3-path-style"] === true ? true : undefined,
    caFile: values["s3-ca"] as string | undefined,
    credentialsFile: values["s3-credentials"] as string | undefined,
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
