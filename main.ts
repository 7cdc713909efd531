/**
 * etcdup entry point: argv -> command -> exit code. This is the only place that exits; every failure
 * arrives here as an EtcdupError and leaves with its documented exit status.
 */
import { asEtcdupError, Exit, type ExitCode, usageError } from "./lib/errors.ts";
import { createOutput } from "./lib/cli/output.ts";
import type { Output } from "./lib/output.ts";
import { blameSource, parseCommand } from "./lib/cli/args.ts";
import { renderHelp } from "./lib/specs/spec.ts";
import { type Command, commands } from "./lib/cli/commands.ts";
import { permissionError } from "./lib/cli/permission.ts";
import { printConfig } from "./lib/cli/print_config.ts";
import { didYouMean } from "./lib/cli/suggest.ts";
import { invocationDir } from "./lib/cli/invocation.ts";
import { COMMIT, VERSION } from "./lib/version.ts";

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "etcdup: turn a Linux host into a running, TLS-secured etcd node.",
    "",
    "Usage: etcdup <command> [flags]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run 'etcdup <command> --help' for a command's flags. Every flag can also be set as ETCDUP_<FLAG>.",
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 verification failed, 4 unhealthy, 5 network,",
    "            6 check found problems, 7 host not fit for the operation.",
    "",
  ].join("\n");
}

/** The help of a command group ("certs"): its subcommands with their summaries. */
function groupHelp(group: string): string | undefined {
  const subs = commands.filter((c) => c.name.startsWith(`${group} `));
  if (subs.length === 0) return undefined;
  const width = Math.max(...subs.map((c) => c.name.length)) - group.length + 1;
  return [
    `etcdup ${group}: ${subs.length} subcommands.`,
    "",
    `Usage: etcdup ${group} <subcommand> [flags]`,
    "",
    "Subcommands:",
    ...subs.map((c) => `  ${c.name.slice(group.length + 1).padEnd(width)}${c.summary}`),
    "",
    `Run 'etcdup ${group} <subcommand> --help' for a subcommand's flags.`,
    "",
  ].join("\n");
}

/** The usage error for argv naming no command, with the closest command as a suggestion. */
function unknownCommand(argv: string[]): Error {
  const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `)).map((c) => c.name);
  if (group.length > 0) {
    const sub = argv[1] !== undefined && !argv[1].startsWith("-") ? argv[1] : undefined;
    return usageError(
      "unknown-command",
      sub === undefined
        ? `'etcdup ${argv[0]}' needs a subcommand`
        : `unknown command 'etcdup ${argv[0]} ${sub}'.${didYouMean(`${argv[0]} ${sub}`, group)}`,
      `One of: ${group.join(", ")} (run 'etcdup ${argv[0]} --help').`,
    );
  }
  const words = [...new Set(commands.map((c) => c.name.split(" ")[0]))];
  return usageError(
    "unknown-command",
    `unknown command '${argv[0]}'.${didYouMean(argv[0], words)}`,
    "Run 'etcdup --help' for the commands.",
  );
}

/** Finds the command named by the leading words of argv ("certs renew" before "certs"). */
function findCommand(argv: string[]): { spec: Command; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(" ");
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo) return { spec: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((c) => c.name === argv[0]);
  return byOne ? { spec: byOne, rest: argv.slice(1) } : undefined;
}

/** The command argv names, for errors ("certs renew", "status"). */
function commandName(argv: string[]): string {
  return findCommand(argv)?.spec.name ?? argv[0] ?? "";
}

/** Runs etcdup with `argv` and returns the exit status. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<ExitCode> {
  // Until the flags are parsed (help, version, a bad flag), argv decides; then the merged values do.
  let out: Output = createOutput({
    json: argv.includes("--json"),
    quiet: argv.includes("--quiet") || argv.includes("-q") ? true : undefined,
    env,
  });
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      const target = argv[0] === "help" && argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
      const group = argv[0] === "help" && !target && argv.length > 1 ? groupHelp(argv[1]) : undefined;
      out.result({ help: true }, target ? renderHelp(target.spec) : group ?? topHelp());
      return argv.length === 0 ? Exit.usage : Exit.ok;
    }
    if (argv[0] === "--version" || argv[0] === "-V" || argv[0] === "version") {
      out.result({ version: VERSION, commit: COMMIT }, `etcdup ${VERSION} (${COMMIT})`);
      return Exit.ok;
    }
    const found = findCommand(argv);
    const group = found ? undefined : groupHelp(argv[0]);
    if (group && (argv[1] === "--help" || argv[1] === "-h")) {
      out.result({ help: true }, group);
      return Exit.ok;
    }
    if (!found) throw unknownCommand(argv);
    const parsed = await parseCommand(found.spec, found.rest, env);
    // --quiet from ETCDUP_QUIET or a config file's `quiet: true` counts like the flag.
    out = createOutput({ json: parsed.values.json === true, quiet: parsed.values.quiet === true, env });
    if (parsed.values.help) {
      out.result({ help: true }, renderHelp(found.spec));
      return Exit.ok;
    }
    if (parsed.values["print-config"]) return printConfig(found.spec, { ...parsed, env, out });
    const [mod, { parseOptions }] = await Promise.all([found.spec.load(), import("./lib/plan/options.ts")]);
    try {
      const options = parseOptions(found.spec.flags, parsed.values);
      return await mod.run({ ...parsed, options, env, out });
    } catch (err) {
      throw blameSource(err, parsed);
    }
  } catch (err) {
    const e = asEtcdupError(permissionError(err, commandName(argv)) ?? err);
    out.error(e);
    if (env.ETCDUP_DEBUG && err instanceof Error) console.error(err.stack);
    return e.exit;
  }
}

if (import.meta.main) {
  const env = Deno.env.toObject();
  // Under `deno task`, relative paths mean the directory the command was typed in (lib/cli/invocation.ts).
  const invoked = invocationDir(env, Deno.cwd(), Deno.execPath());
  if (invoked) Deno.chdir(invoked);
  Deno.exit(await main(Deno.args, env));
}
