// Option parsing shared by every `courier` command: node:util's parseArgs (Bun runs
// it), strict, with its errors turned into the short messages the CLI prints
// ("--manifests needs a value", "unknown option --bogus").
import { parseArgs } from "node:util";

export type OptionSpec = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly multiple?: boolean; readonly short?: string }>>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | readonly (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** `--help` or `-h` anywhere asks for the command's help, whatever else is on the line. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

function optionIn(message: string): string {
  return /'(-[^' <]+)/.exec(message)?.[1]?.split(",").pop()?.trim() ?? "an option";
}

/** parseArgs' error -> one line naming the option. */
function describeError(error: Error & { code?: string }): string {
  const message = error.message;
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${optionIn(message)}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(message)) return `${optionIn(message)} takes no value`;
      // "--port-offset -100": a value that starts with "-" reads as the next option.
      if (/ambiguous/.test(message)) return `${optionIn(message)} needs a value (write --${optionIn(message).replace(/^-+/, "")}=VALUE for one starting with "-")`;
      return `${optionIn(message)} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? "")}`;
    default:
      return message.split("\n")[0] ?? "invalid arguments";
  }
}

export function parseOptions(argv: readonly string[], options: OptionSpec, allowPositionals = false): ParsedArgs | { readonly error: string } {
  try {
    const parsed = parseArgs({ args: [...argv], options: { ...options }, strict: true, allowPositionals });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    return { error: describeError(error as Error & { code?: string }) };
  }
}

/** A string option's value (the last one given). */
export function stringValue(parsed: ParsedArgs, key: string): string | undefined {
  const value = parsed.values[key];
  return typeof value === "string" ? value : undefined;
}
