// One record per event: time, level, message and fields. `text` is one line of
// key=value pairs, readable at a terminal and by a log shipper alike; `json` is one
// JSON object per line for shippers that parse it. Every string goes through
// printable() first, so no message or field (an object name, an SNI) can break a
// record in two or forge another.
import { printable } from "./escape.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** A warning or error as the admin page lists it. */
export interface LoggedProblem {
  readonly time: string;
  readonly level: "warn" | "error";
  readonly message: string;
  readonly fields: LogFields;
}

/** How many recent warnings and errors the admin page can show. */
const RECENT_PROBLEMS = 20;

const SIMPLE = /^[\w.:/@*+-]+$/;

function textValue(value: string | number | boolean): string {
  const text = typeof value === "string" ? printable(value) : String(value);
  // printable() has doubled every backslash, so only the quotes need escaping here.
  return SIMPLE.test(text) ? text : `"${text.replace(/"/g, '\\"')}"`;
}

export class Logger {
  private readonly problems: LoggedProblem[] = [];

  constructor(
    private readonly level: LogLevel = "info",
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly format: LogFormat = "text",
  ) {}

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  log(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const time = new Date().toISOString();
    if (level === "warn" || level === "error") {
      this.problems.push({ time, level, message, fields });
      if (this.problems.length > RECENT_PROBLEMS) this.problems.shift();
    }
    this.write(this.format === "json" ? jsonRecord(time, level, message, fields) : textRecord(time, level, message, fields));
  }

  /** The last warnings and errors logged, oldest first (raw: each reader escapes for its output). */
  recentProblems(): readonly LoggedProblem[] {
    return [...this.problems];
  }

  debug(message: string, fields?: LogFields): void {
    this.log("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log("error", message, fields);
  }
}

function textRecord(time: string, level: LogLevel, message: string, fields: LogFields): string {
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${printable(message)}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${printable(key)}=${textValue(value)}`;
  }
  return line;
}

function jsonRecord(time: string, level: LogLevel, message: string, fields: LogFields): string {
  const record: Record<string, string | number | boolean> = { time, level, msg: printable(message) };
  for (const [key, value] of Object.entries(fields)) {
    // The record's own keys come first and are never overwritten by a field.
    if (value !== undefined && !(key in record)) record[printable(key)] = typeof value === "string" ? printable(value) : value;
  }
  return JSON.stringify(record);
}
