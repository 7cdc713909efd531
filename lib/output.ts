/**
 * The output interface every layer writes to: steps, details, warnings, progress and a command's result.
 * The core holds the interface; the CLI (lib/cli/output.ts) renders it for a terminal, a pipe or `--json`,
 * so the layers below the CLI report without knowing how.
 */
import type { EtcdupError } from "./errors.ts";

/** How output is rendered. */
export type OutputMode = "tty" | "plain" | "json" | "quiet";

/** A running progress indicator for a byte stream. */
export interface Progress {
  /** Adds `n` bytes to the count. */
  advance(n: number): void;
  /** Ends the bar (or prints the one summary line when not on a TTY). */
  done(): void;
}

/** The sink every command writes to. */
export interface Output {
  readonly mode: OutputMode;
  /** A step of the work, e.g. "verified sha256 against the embedded manifest". */
  step(message: string, data?: Record<string, unknown>): void;
  /** Extra detail; hidden in quiet mode. */
  info(message: string, data?: Record<string, unknown>): void;
  /** Something the user should know even in quiet mode. */
  warn(message: string, data?: Record<string, unknown>): void;
  /** A byte-stream progress bar (TTY only; a single line elsewhere). */
  progress(label: string, totalBytes?: number): Progress;
  /** The command's result: `human` is printed to stdout in human modes, `data` as one JSON line with --json. */
  result(data: unknown, human: string): void;
  /** Reports a failure (always shown). */
  error(err: EtcdupError): void;
}
