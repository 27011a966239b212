// `npm run reliability`: runs each row against real `courier serve` processes and
// prints one Markdown table, a line per result as soon as it is known. Exits 1 when
// any row fails (bytes lost, a stall or a held reload over its limit, RSS over the
// pod's limit, or the row's own checks). Options: --quick (smaller counts),
// --rows 1,4,6 (only these).
import { parseArgs } from "node:util";
import { ROWS } from "./rows/index.ts";
import { failuresOf, formatRow, printHeader, type RowResult } from "./table.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, rows: { type: "string" } }, strict: true });
const wanted = values.rows === undefined ? undefined : new Set(values.rows.split(",").map((r) => r.trim()));
const write = (line: string): void => void process.stdout.write(`${line}\n`);

const results: RowResult[] = [];
const started = Date.now();
write(`Courier reliability suite${values.quick ? " (--quick)" : ""}, ${new Date().toISOString()}\n`);
printHeader(write);
for (const row of ROWS) {
  if (wanted !== undefined && !wanted.has(row.id)) continue;
  const report = (result: RowResult): void => {
    results.push(result);
    write(formatRow(result));
  };
  try {
    await row.run({ quick: values.quick, report });
  } catch (error) {
    report({ row: `${row.id} ${row.title}`, input: "-", happened: `the row itself failed: ${(error as Error).message.split("\n")[0]}`, bytesLost: 0, failures: ["row did not complete"] });
  }
}
const failed = results.filter((r) => failuresOf(r).length > 0);
write(`\n${results.length} results in ${((Date.now() - started) / 1000).toFixed(0)} s: ${failed.length === 0 ? "all pass" : `${failed.length} FAIL`}`);
process.exit(failed.length === 0 ? 0 : 1);
