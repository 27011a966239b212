#!/usr/bin/env bun
// The courier command: `courier serve|check|explain|version`; see proxy/app/commands.ts.
import { cliIo } from "../app/cliIo.ts";
import { runCli } from "../app/commands.ts";

const outcome = await runCli(process.argv.slice(2), cliIo(process.env, (text) => process.stdout.write(text), (text) => process.stderr.write(text)));
if (outcome !== "serving") {
  // Written out before exiting: a pipe may take the output more slowly than it was made.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
  // Explain's cluster listing may leave a watch closing in the background: do not wait for it.
  process.exit(outcome);
}
