#!/usr/bin/env bun
// The courier command. `courier serve ...`; see USAGE.
import { USAGE, parseServeArgs } from "../app/cli.ts";
import { serve } from "../app/serve.ts";

const [command, ...rest] = process.argv.slice(2);
if (command === "serve") {
  const parsed = parseServeArgs(rest, process.env);
  if ("error" in parsed) {
    process.stderr.write(`courier: ${parsed.error}\n\n${USAGE}`);
    process.exit(2);
  }
  await serve(parsed.options);
} else if (command === undefined || command === "help" || command === "--help" || command === "-h") {
  process.stdout.write(USAGE);
} else {
  process.stderr.write(`courier: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  process.exit(2);
}
