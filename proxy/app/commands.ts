// The `courier` command line: which command runs, its --help, --version, and the
// exit codes (0 fine, 1 the command found a problem, 2 it could not run as asked).
import { runCheck, CHECK_USAGE } from "./checkCommand.ts";
import { SERVE_USAGE, parseServeArgs } from "./cli.ts";
import type { CliIo } from "./cliIo.ts";
import { runExplain, EXPLAIN_USAGE } from "./explainCommand.ts";
import { servePreflight } from "./preflight.ts";
import { serve } from "./serve.ts";
import { wildcardAddress } from "./wildcardAddress.ts";
import { COURIER_VERSION } from "./version.ts";
import { wantsHelp } from "./args.ts";
import { printable } from "../lib/escape.ts";

export const USAGE = `Usage: courier COMMAND [options]

Commands:
  serve     run the gateway: file mode (manifests and an endpoints file) or cluster mode
  check     validate manifests offline, as serve would load them
  explain   show where a connection with a given SNI would go, and why
  version   print the version

Options:
  -h, --help      help (also after a command: courier serve --help)
  -v, --version   print the version
`;

const HELP: Readonly<Record<string, string>> = { serve: SERVE_USAGE, check: CHECK_USAGE, explain: EXPLAIN_USAGE, version: "Usage: courier version\n" };

/** Runs one command. "serving": serve started and the process keeps running until a signal. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number | "serving"> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    const topic = rest[0];
    io.out(topic === undefined ? USAGE : (HELP[topic] ?? USAGE));
    return topic === undefined || HELP[topic] !== undefined ? 0 : 2;
  }
  if (command === "--version" || command === "-v") {
    io.out(`courier ${COURIER_VERSION}\n`);
    return 0;
  }
  const help = HELP[command];
  if (help === undefined) return io.usageError("", `unknown command ${JSON.stringify(command)}: one of ${Object.keys(HELP).join(", ")}`);
  if (wantsHelp(rest)) {
    io.out(help);
    return 0;
  }
  switch (command) {
    case "check":
      return await runCheck(rest, io);
    case "explain":
      return await runExplain(rest, io);
    case "version":
      io.out(`courier ${COURIER_VERSION}\n`);
      return 0;
    default:
      return await runServe(rest, io);
  }
}

async function runServe(argv: readonly string[], io: CliIo): Promise<number | "serving"> {
  const parsed = parseServeArgs(argv, io.env, wildcardAddress);
  if ("error" in parsed) return io.usageError("serve", parsed.error);
  const problems = servePreflight(parsed.options, io.env);
  if (problems.length > 0) return io.usageError("serve", problems.join("\n"));
  try {
    await serve(parsed.options);
    return "serving";
  } catch (error) {
    // Something start-up could not do (a port taken): one line, not a stack trace.
    io.err(`courier serve: ${printable(((error as Error).message ?? String(error)).split("\n")[0]!)}\n`);
    return 1;
  }
}
