// Where the CLI's commands write, and how they report a usage error: one line on
// stderr that names the command and where its help is, then exit code 2. Tests pass
// an io that collects the text instead of the process's streams.
import { printable } from "../lib/escape.ts";

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  /** Prints "courier COMMAND: MESSAGE (see courier COMMAND --help)" and returns 2. */
  usageError(command: string, message: string): number;
}

export function cliIo(env: Readonly<Record<string, string | undefined>>, out: (text: string) => void, err: (text: string) => void): CliIo {
  return {
    env,
    out,
    err,
    usageError(command, message) {
      const help = command === "" ? "courier --help" : `courier ${command} --help`;
      const lines = message.split("\n");
      lines.forEach((line, i) => err(`courier${command === "" ? "" : ` ${command}`}: ${printable(line)}${i === lines.length - 1 ? ` (see ${help})` : ""}\n`));
      return 2;
    },
  };
}
