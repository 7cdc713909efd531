/**
 * The offsite flags (upload to S3-compatible storage, age encryption), spelled and described once for the
 * commands that take them (backup, restore, backup list). No flag carries a secret: S3 keys come from a
 * root-only file or the AWS variables, age identities from a file.
 */
import type { FlagSpec } from "./spec.ts";

/** Where snapshots are uploaded and how to reach the service. */
export const s3Flags = {
  upload: {
    type: "string",
    value: "s3://BUCKET/PREFIX",
    description:
      "Also upload each snapshot to this bucket and prefix of S3-compatible storage ('none': stop).",
  },
  "s3-endpoint": {
    type: "string",
    value: "URL",
    description: "The S3 service URL (MinIO, Ceph RGW, R2, Garage...); implies path-style addressing.",
    defaultText: "AWS, https://s3.REGION.amazonaws.com",
  },
  "s3-region": {
    type: "string",
    value: "REGION",
    description: "The bucket's region (signing needs it).",
    defaultText: "AWS_REGION, else us-east-1",
  },
  "s3-path-style": {
    type: "boolean",
    description: "Address the bucket as ENDPOINT/BUCKET/KEY (automatic for non-AWS endpoints).",
  },
  "s3-ca": {
    type: "string",
    value: "FILE",
    description: "Also trust this PEM CA for the S3 endpoint (TLS is always verified).",
  },
  "s3-credentials": {
    type: "string",
    value: "FILE",
    description:
      "AWS-style credentials file ([default] aws_access_key_id/aws_secret_access_key), root-owned, mode 0600.",
    defaultText: "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN",
  },
} satisfies Record<string, FlagSpec>;

/** How to reach the service, for commands that name the bucket otherwise (restore's s3:// argument). */
export const { upload: _upload, ...s3AccessFlags } = s3Flags;

/** Encryption of snapshots to age recipients. */
export const encryptFlags = {
  "encrypt-to": {
    type: "string",
    multiple: true,
    value: "RECIPIENT|FILE",
    description:
      "Encrypt snapshots with age to this X25519 recipient (age1...) or every recipient in FILE ('none': stop).",
  },
} satisfies Record<string, FlagSpec>;

/** The age identity that decrypts snapshots. */
export const identityFlag = {
  identity: {
    type: "string",
    value: "FILE",
    description:
      "age identity file (AGE-SECRET-KEY-1..., as age-keygen writes) to decrypt an encrypted snapshot.",
  },
} satisfies Record<string, FlagSpec>;
