/** Where the offsite settings are recorded (target path), apart from the modules that read them. */

/** The settings of the last backup given `--upload`/`--encrypt-to` (root 0600, no secrets). */
export const OFFSITE_RECORD = "/var/lib/etcdup/offsite.json";
