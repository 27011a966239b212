// Reading a Courier process's log from the suite: lines written after a point, and
// the times of configuration loads (from the records' own timestamps).
import type { ProxyProcess } from "../test/helpers/proxyProcess.ts";

/** A point in the log: lines after it are new. */
export function logMark(proxy: ProxyProcess): number {
  return proxy.logs().length;
}

export function linesSince(proxy: ProxyProcess, mark: number): string[] {
  return proxy.logs().slice(mark).split("\n").filter((l) => l.length > 0);
}

/** Waits (at most `timeoutMs`) for a line after `mark` matching `pattern`; undefined if none came. */
export async function awaitLine(proxy: ProxyProcess, mark: number, pattern: RegExp, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = linesSince(proxy, mark).find((l) => pattern.test(l));
    if (line !== undefined || Date.now() > deadline) return line;
    await Bun.sleep(20);
  }
}

export interface LoadRecord {
  readonly at: number;
  readonly generation: number;
  readonly routes: number;
}

/** "configuration loaded generation=N ... routes=R" records after `mark`. */
export function loadsSince(proxy: ProxyProcess, mark: number): LoadRecord[] {
  return linesSince(proxy, mark).flatMap((line) => {
    const match = /^(\S+) INFO\s+configuration loaded generation=(\d+) .*routes=(\d+)/.exec(line);
    return match === null ? [] : [{ at: Date.parse(match[1]!), generation: Number(match[2]), routes: Number(match[3]) }];
  });
}

/** The message part of a record (after time and level), cut to `max` characters. */
export function messageOf(line: string, max = 140): string {
  const text = line.replace(/^\S+ \w+\s+/, "");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
