/**
 * The terminal and JSON implementation of lib/output.ts's {@link Output}: human lines on a TTY (colour unless NO_COLOR,
 * a progress bar for downloads), plain lines when piped, JSON lines with `--json`, and only warnings
 * and errors with `--quiet`. Log lines go to stderr; results (plans, tables, config) go to stdout.
 */
import type { Output, OutputMode } from "../output.ts";
import { escapeControls, escapeJsonControls, formatBytes } from "../text.ts";

/** Options deciding the {@link OutputMode}. */
export interface OutputOptions {
  json?: boolean;
  /** Quiet or not; undefined: ETCDUP_QUIET decides (see {@link outputMode}). */
  quiet?: boolean;
  /** Environment to read NO_COLOR / ETCDUP_QUIET from; defaults to Deno.env. */
  env?: Record<string, string | undefined>;
  /** Whether stderr is a terminal; defaults to Deno.stderr.isTerminal(). */
  isTty?: boolean;
  /** Where lines go (tests); defaults to Deno's stdout/stderr. */
  write?: { stdout(s: string): void; stderr(s: string): void };
}

const encoder = new TextEncoder();
const defaultWrite = {
  stdout: (s: string) => void Deno.stdout.writeSync(encoder.encode(s)),
  stderr: (s: string) => void Deno.stderr.writeSync(encoder.encode(s)),
};

/**
 * Picks the mode: --json > quiet > TTY > plain. `quiet` undefined (before the flags are parsed) falls back to
 * ETCDUP_QUIET read as the flag parser reads a boolean (1/true/yes); once parsed, the merged value decides, so
 * `ETCDUP_QUIET=false` is not quiet.
 */
export function outputMode(opts: OutputOptions): OutputMode {
  const env = opts.env ?? Deno.env.toObject();
  if (opts.json) return "json";
  if (opts.quiet ?? /^(1|true|yes)$/i.test((env.ETCDUP_QUIET ?? "").trim())) return "quiet";
  const tty = opts.isTty ?? Deno.stderr.isTerminal();
  return tty ? "tty" : "plain";
}

/**
 * A message or hint as printed: control characters escaped (see lib/text.ts), and each further line of a
 * multi-line message indented, so that no text inside a message can pass for a line of its own.
 */
function messageText(s: string): string {
  return escapeControls(s, { keepNewlines: true }).replaceAll("\n", "\n    ");
}

/** Creates the {@link Output} for the given options. */
export function createOutput(opts: OutputOptions = {}): Output {
  const env = opts.env ?? Deno.env.toObject();
  const mode = outputMode(opts);
  const write = opts.write ?? defaultWrite;
  const colour = mode === "tty" && (env.NO_COLOR ?? "") === "";
  const paint = (code: string, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const jsonLine = (obj: Record<string, unknown>) =>
    write.stdout(escapeJsonControls(JSON.stringify(obj)) + "\n");
  const human = mode === "tty" || mode === "plain";

  return {
    mode,
    step(message, data) {
      if (mode === "json") jsonLine({ event: "step", message, ...data });
      else if (human) write.stderr(`${paint("32", "==>")} ${messageText(message)}\n`);
    },
    info(message, data) {
      if (mode === "json") jsonLine({ event: "info", message, ...data });
      else if (human) write.stderr(`    ${messageText(message)}\n`);
    },
    warn(message, data) {
      if (mode === "json") jsonLine({ event: "warning", message, ...data });
      else write.stderr(`${paint("33", "warning:")} ${messageText(message)}\n`);
    },
    progress(rawLabel, totalBytes) {
      const label = escapeControls(rawLabel);
      const started = performance.now();
      let seen = 0;
      let lastDraw = 0;
      const draw = (final: boolean) => {
        const secs = Math.max((performance.now() - started) / 1000, 0.001);
        const rate = seen / secs;
        if (mode === "tty") {
          const width = 30;
          const frac = totalBytes ? Math.min(seen / totalBytes, 1) : 0;
          const bar = totalBytes
            ? "#".repeat(Math.round(frac * width)).padEnd(width, ".")
            : "".padEnd(width, final ? "#" : ".");
          const eta = totalBytes && rate > 0 && !final
            ? ` ETA ${Math.ceil((totalBytes - seen) / rate)}s`
            : "";
          const total = totalBytes ? `/${formatBytes(totalBytes)}` : "";
          write.stderr(
            `\r    ${label} [${bar}] ${formatBytes(seen)}${total} ${formatBytes(rate)}/s${eta}\x1b[K` +
              (final ? "\n" : ""),
          );
        } else if (final && mode === "plain") {
          write.stderr(
            `    ${label}: ${formatBytes(seen)} in ${secs.toFixed(1)}s (${formatBytes(rate)}/s)\n`,
          );
        } else if (final && mode === "json") {
          jsonLine({ event: "download", label, bytes: seen, seconds: Number(secs.toFixed(3)) });
        }
      };
      return {
        advance(n) {
          seen += n;
          const now = performance.now();
          if (mode === "tty" && now - lastDraw > 100) {
            lastDraw = now;
            draw(false);
          }
        },
        done() {
          draw(true);
        },
      };
    },
    result(data, humanText) {
      if (mode === "json") jsonLine({ event: "result", result: data });
      else if (humanText !== "") {
        const text = escapeControls(humanText, { keepNewlines: true }); // tables and plans are multi-line
        write.stdout(text.endsWith("\n") ? text : text + "\n");
      }
    },
    error(err) {
      if (mode === "json") {
        jsonLine({ event: "error", ...err.toJSON() });
        return;
      }
      write.stderr(`${paint("31", "error:")} ${messageText(err.message)}\n`);
      if (err.hint) write.stderr(`${paint("36", "hint:")} ${messageText(err.hint)}\n`);
    },
  };
}
