/**
 * Text from outside (tar entry names, file names, journal lines) made safe to print: the characters a
 * terminal acts on instead of showing are written as escapes, so no input can clear the screen, move the
 * cursor, recolour output, reorder what is shown or (with newlines escaped) forge a line of its own. Also the
 * forms text takes on its way out: byte counts and ages as every message writes them, words quoted for a shell.
 */

/** C0 controls but tab, DEL, C1 controls, and Unicode's direction and line/paragraph separator controls. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\x1b": "\\e", "\0": "\\0" };

/** One control character as an escape: `\n`, `\e`, `\x07`, `\u202e`. */
function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`);
}

/**
 * `s` with every control character escaped; newlines are kept when `keepNewlines` (multi-line messages).
 * @example escapeControls("etcd\x1b[2J\nerror: forged") // "etcd\\e[2J\\nerror: forged"
 */
export function escapeControls(s: string, opts: { keepNewlines?: boolean } = {}): string {
  return s.replace(CONTROLS, (c) => (c === "\n" && opts.keepNewlines ? c : escapeOne(c)));
}

/** Characters JSON.stringify leaves raw that a terminal still acts on (it escapes C0 itself). */
const JSON_RAW_CONTROLS = /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A JSON text with those characters as `\uXXXX` escapes: the same JSON value, safe on a terminal. */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Formats a byte count as a short human string ("12.3 MiB"). */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} ${units[i]}` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * An age in seconds as a short human string, as status and the backup lists write it.
 * @example formatAge(3660) // "1h 1m"
 */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * `s` as one POSIX shell word, quoted only when it needs it: for the command lines etcdup prints or writes.
 * @example shellWord("it's") // "'it'\\''s'"
 */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
