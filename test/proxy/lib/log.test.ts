// Every string that reaches a log goes through printable(): an object name with a
// newline, a NUL, a terminal escape or a bidi override cannot start a record of its
// own, hide text or reorder it, in the text format or the JSON one.
import { describe, expect, test } from "bun:test";
import { printable } from "../../../proxy/lib/escape.ts";
import { Logger } from "../../../proxy/lib/log.ts";

const FORGED = "evil\n2026-01-01T00:00:00.000Z ERROR forged record";

function capture(format: "text" | "json"): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger("debug", (line) => lines.push(line), format), lines };
}

describe("printable", () => {
  test("control characters, DEL, C1, line separators and bidi controls become escapes; a backslash is doubled", () => {
    expect(printable("plain name.example.com")).toBe("plain name.example.com");
    expect(printable("a\nb\rc\td")).toBe("a\\nb\\rc\\td");
    expect(printable("nul\u0000 esc\u001b[31m del\u007f c1\u0085")).toBe("nul\\x00 esc\\x1b[31m del\\x7f c1\\x85");
    expect(printable("line\u2028para\u2029")).toBe("line\\u2028para\\u2029");
    expect(printable("bidi\u202eevil\u2066")).toBe("bidi\\u202eevil\\u2066");
    // A typed "\n" (backslash, n) stays distinguishable from an escaped newline.
    expect(printable("typed\\n")).toBe("typed\\\\n");
    expect(printable("ünïcode ✓")).toBe("ünïcode ✓");
  });
});

describe("log records", () => {
  test("text: a route name with a newline stays in its record, in the message and in a field", () => {
    const { log, lines } = capture("text");
    log.info(`route ${FORGED}`, { route: FORGED, sni: "a\u0000b", detail: 'quote " and \\ backslash' });
    expect(lines).toHaveLength(1);
    const [line] = lines as [string];
    expect(line).not.toContain("\n");
    expect(line).toContain("INFO  route evil\\n2026-01-01T00:00:00.000Z ERROR forged record");
    expect(line).toContain('route="evil\\n2026-01-01T00:00:00.000Z ERROR forged record"');
    expect(line).toContain('sni="a\\x00b"');
    expect(line).toContain('detail="quote \\" and \\\\ backslash"');
    expect(line).toMatch(/^\S+ INFO  route /);
  });

  test("json: one object per line; values carry the same visible escapes", () => {
    const { log, lines } = capture("json");
    log.warn(FORGED, { route: FORGED, bytes: 3, ok: true, msg: "cannot overwrite the message" });
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: "warn", msg: "evil\\n2026-01-01T00:00:00.000Z ERROR forged record", route: "evil\\n2026-01-01T00:00:00.000Z ERROR forged record", bytes: 3, ok: true });
    expect(typeof record.time).toBe("string");
  });

  test("the admin page reads the last warnings and errors, raw", () => {
    const { log } = capture("text");
    for (let i = 0; i < 25; i++) log.error("configuration error", { n: i });
    log.info("not a problem");
    const problems = log.recentProblems();
    expect(problems).toHaveLength(20);
    expect(problems[19]).toMatchObject({ level: "error", message: "configuration error", fields: { n: 24 } });
  });
});

describe("one way out", () => {
  test("only the logger and the CLI's entry point write to the process's streams", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const { join, relative, resolve } = await import("node:path");
    const proxy = resolve(import.meta.dir, "../../../proxy");
    const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : name.endsWith(".ts") ? [join(dir, name)] : []));
    const writers = files(proxy)
      .filter((file) => /process\.(stdout|stderr)\.write|console\.(log|error|warn|info)/.test(readFileSync(file, "utf8")))
      .map((file) => relative(proxy, file))
      .sort();
    // Everything else logs through Logger (printable() inside) or prints through CliIo.
    expect(writers).toEqual(["bin/courier.ts", "lib/log.ts"]);
  });
});
