// Which configuration changes are too drastic to apply on one read. A file caught
// mid-write (an editor or CI job that truncates, then writes) reads as empty or cut
// short; served, it would take every listener down. Such a change is held back until
// a second read, a while later, finds the same bytes: then it was meant. Pure.
import type { FileRead } from "./manifestFiles.ts";

/** What the guard compares between two loads. */
export interface LoadShape {
  /** Listeners over all Gateways. */
  readonly listeners: number;
  /** Every configuration file read, with its object count and digest. */
  readonly files: readonly FileRead[];
}

/** Why applying `next` over `current` needs a second read; undefined when it does not. */
export function drasticChange(current: LoadShape, next: LoadShape): string | undefined {
  const reasons: string[] = [];
  if (current.listeners > 0 && next.listeners === 0) reasons.push(`every listener would be removed (${current.listeners} now)`);
  const before = new Map(current.files.map((f) => [f.path, f.objects]));
  // A file that is gone was removed on purpose (rm, or the rename of an atomic
  // write, which lands as a new file); one that is present but empty looks truncated.
  for (const f of next.files) {
    const had = before.get(f.path) ?? 0;
    if (f.objects === 0 && had > 0) reasons.push(`${f.path} had ${had} objects and now has none (empty, or cut short mid-write)`);
  }
  return reasons.length === 0 ? undefined : reasons.join("; ");
}

/** One string per content: equal fingerprints mean every file read the same bytes. */
export function fingerprint(shape: LoadShape): string {
  return shape.files.map((f) => `${f.path}\0${f.digest}`).join("\n");
}
