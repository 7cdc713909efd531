/**
 * S3 credentials: from `--s3-credentials FILE` (the AWS shared-credentials INI format, root-owned, mode 0600
 * or stricter, not a symlink) or from the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN variables. Never from a flag (argv is visible in `ps` and shell history), and never
 * printed: {@link redactor} scrubs them from any text that could reach the user.
 */
import * as fs from "node:fs";
import { EtcdupError, Exit, usageError } from "../errors.ts";

/** An access key pair, with the session token of temporary credentials. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Where they came from, for messages: `environment` or the file path. */
  source: string;
}

const hint =
  "Put aws_access_key_id and aws_secret_access_key under [default] in a root-owned 0600 file passed as --s3-credentials FILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";

/** Parses the `[default]` section (or the only section, or section-less keys) of an AWS credentials file. */
export function parseCredentialsFile(text: string, file: string): S3Credentials {
  const sections = new Map<string, Record<string, string>>();
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = line.match(/^\[\s*([^\]]+?)\s*\]$/);
    if (section) {
      current = section[1];
      continue;
    }
    const kv = line.match(/^([A-Za-z_]+)\s*=\s*(.*)$/);
    if (!kv) {
      throw usageError(
        "s3-credentials-invalid",
        `--s3-credentials ${file}: a line is neither 'key = value' nor '[section]'`,
        hint,
      );
    }
    if (!sections.has(current)) sections.set(current, {});
    sections.get(current)![kv[1].toLowerCase()] = kv[2].trim();
  }
  const named = [...sections.keys()].filter((s) => s !== "");
  const pick = sections.get("default") ?? (named.length === 1 ? sections.get(named[0]) : sections.get(""));
  const id = pick?.aws_access_key_id;
  const secret = pick?.aws_secret_access_key;
  if (!id || !secret) {
    throw usageError(
      "s3-credentials-invalid",
      `--s3-credentials ${file} has no aws_access_key_id and aws_secret_access_key under [default]`,
      hint,
    );
  }
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    sessionToken: pick.aws_session_token || undefined,
    source: file,
  };
}

/**
 * Reads a credentials file, refusing (exit 7) one that is a symlink, not a regular file, not owned by root
 * or readable by group or others: a secret that others could read is already lost.
 */
export function readCredentialsFile(file: string): S3Credentials {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") {
      throw new EtcdupError({
        code: "s3-credentials-unsafe",
        message: `--s3-credentials ${file} is a symlink`,
        hint: "Point --s3-credentials at the file itself (root-owned, mode 0600).",
        exit: Exit.precondition,
      });
    }
    throw usageError(
      "s3-credentials-unreadable",
      `--s3-credentials ${file}: ${(err as Error).message}`,
      hint,
    );
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== 0 || (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
      throw new EtcdupError({
        code: "s3-credentials-unsafe",
        message: `--s3-credentials ${file} must be a regular file owned by root with mode 0600 (it is ${
          st.isFile() ? "a file" : "not a regular file"
        }, uid ${st.uid}, mode ${mode})`,
        hint:
          `Run: chown root:root ${file} && chmod 0600 ${file}, and rotate the keys if others could read them.`,
        exit: Exit.precondition,
      });
    }
    return parseCredentialsFile(fs.readFileSync(fd, "utf8"), file);
  } finally {
    fs.closeSync(fd);
  }
}

/** Credentials from the file when given, else from the environment; refuses (exit 2) when there are none. */
export function loadCredentials(
  file: string | undefined,
  env: Record<string, string | undefined>,
): S3Credentials {
  if (file) return readCredentialsFile(file);
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!id || !secret) {
    throw usageError(
      "s3-credentials-missing",
      "no S3 credentials: neither --s3-credentials FILE nor AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set",
      hint,
    );
  }
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    source: "environment",
  };
}

/** A function that replaces the secret key and session token in any text with `[redacted]`. */
export function redactor(creds: S3Credentials): (text: string) => string {
  const secrets = [creds.secretAccessKey, creds.sessionToken].filter((s): s is string =>
    !!s && s.length >= 4
  );
  return (text) => {
    let out = text;
    for (const s of secrets) out = out.split(s).join("[redacted]");
    return out.replace(/(Signature=|Credential=)[^\s,"<]+/g, "$1[redacted]");
  };
}
