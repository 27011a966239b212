// One shape for every synth-time error: which field, what is wrong, what to change.
// cdk8s prefixes each message with the construct path ("[chart/route] ..."), so the
// three parts together say where, what and how to fix it.

/** Formats a validation error as "<field>: <problem>. Fix: <fix>". */
export function invalid(field: string, problem: string, fix: string): string {
  return `${field}: ${problem}. Fix: ${fix}`;
}
