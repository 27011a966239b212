// Hints for schema errors that come from a recognizable mistake: a field from another
// API, or a near miss of a field name. Appended to the error message.

interface KnownMistake {
  readonly kind: string;
  /** The error's field path, e.g. spec.rules[0].matches. */
  readonly path: RegExp;
  /** Which check failed: "unknown" for an unknown field, else the schema keyword (maxItems, enum, ...). */
  readonly check: string;
  readonly hint: string;
}

const MULTI_HOSTNAME_HINT = "TLSRoute has no matches; put the names in spec.hostnames and use one TLSRoute per hostname group";

const KNOWN_MISTAKES: readonly KnownMistake[] = [
  // The SNI-match shape of other proxies' CRDs (and of drafts of TLSRoute itself).
  { kind: "TLSRoute", check: "unknown", path: /^spec\.rules\[\d+\]\.(matches|snis|hostnames)$/, hint: MULTI_HOSTNAME_HINT },
  { kind: "TLSRoute", check: "maxItems", path: /^spec\.rules$/, hint: "TLSRoute v1 takes exactly one rule: use one TLSRoute per hostname group, each with its own spec.hostnames" },
  { kind: "Gateway", check: "enum", path: /^spec\.listeners\[\d+\]\.tls\.mode$/, hint: "Courier passes TLS through: tls: {mode: Passthrough}" },
];

/** Edit distance counting a swap of neighbours as one edit, for "did you mean" on unknown field names. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The hint for a failed `check` at `path` of a `kind` object, if the mistake is a known one. */
export function knownMistakeHint(kind: string, check: string, path: string): string | undefined {
  return KNOWN_MISTAKES.find((mistake) => mistake.kind === kind && mistake.check === check && mistake.path.test(path))?.hint;
}

/** "did you mean hostnames?" for an unknown field one or two edits away from a known one (or differing only in case). */
export function nearMissHint(field: string, known: readonly string[]): string | undefined {
  const lower = field.toLowerCase();
  const close = known
    .map((name) => ({ name, d: name.toLowerCase() === lower ? 0 : distance(lower, name.toLowerCase()) }))
    .filter((c) => c.d <= Math.min(2, Math.floor(field.length / 3)) || c.d === 0)
    .sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : 1));
  return close[0] === undefined ? undefined : `did you mean ${close[0].name}?`;
}
