// The one escaping helper for text that reaches a person: log records (text and
// JSON), the admin page and the CLI's reports. Object names, hostnames, SNIs and
// error messages come from outside (manifests, the API server, clients), so a
// newline, a NUL, a terminal escape or a bidi override in them must never start a
// new log line, hide text or reorder it. Each output format then adds its own
// encoding on top (quotes in text logs, JSON, HTML entities).

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators (some viewers
 * break lines there) and the bidi controls (they reorder what a reader sees), plus
 * the backslash itself, so that an escape in the output can always be told from the
 * same characters typed by someone.
 */
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` on one line with every unsafe character shown as an escape ("\n", "\x00", "\u202e"). */
export function printable(text: string): string {
  // The common case (plain names and messages) allocates nothing.
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}
