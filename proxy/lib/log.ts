// One line per event: time, level, message, then key=value fields, readable by a
// person at a terminal and by a log shipper alike.

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[\w.:/@*+-]+$/.test(text) ? text : JSON.stringify(text);
}

export class Logger {
  constructor(
    private readonly level: LogLevel = "info",
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  log(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
    }
    this.write(line);
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
