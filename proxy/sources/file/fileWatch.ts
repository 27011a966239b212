// Watching file mode's configuration: the manifests directory and the endpoints file.
// Events are coalesced into one reload per burst, but a burst cannot hold a reload
// back for ever: a file rewritten every 50 ms would otherwise restart the quiet
// period on every event and no change would ever be applied.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Logger } from "../../lib/log.ts";
import { isManifestFile } from "./manifestFiles.ts";

/** Quiet time that ends a burst of events (an editor's save is several events). */
export const QUIET_MS = 100;
/**
 * Longest a reload waits once a relevant event arrived, however busy the files are.
 * Under 1 s by the time a load takes (read, parse, check, translate: ~100 ms on a busy
 * node), so a change made during steady writes is serving within 1 s.
 */
export const MAX_WAIT_MS = 750;

export interface WatchedFiles {
  readonly manifests: string;
  readonly endpoints?: string | undefined;
}

/** Calls `fire` QUIET_MS after the last event of a burst, and at most MAX_WAIT_MS after its first. */
export function coalescer(fire: () => void, quietMs = QUIET_MS, maxWaitMs = MAX_WAIT_MS): { event(): void; cancel(): void } {
  let quiet: ReturnType<typeof setTimeout> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => {
    if (quiet !== undefined) clearTimeout(quiet);
    if (deadline !== undefined) clearTimeout(deadline);
    quiet = deadline = undefined;
  };
  const now = (): void => {
    cancel();
    fire();
  };
  return {
    event() {
      if (quiet !== undefined) clearTimeout(quiet);
      quiet = setTimeout(now, quietMs);
      deadline ??= setTimeout(now, maxWaitMs);
    },
    cancel,
  };
}

/**
 * Calls `onChange` once per burst of events on files that are configuration: manifest
 * files (.yaml, .yml, .json) in the manifests directory, and the endpoints file. Other
 * files there (notes, editor swap files, logs) neither cause nor delay a reload.
 * Returns a function that stops watching.
 */
export function watchFileConfig(files: WatchedFiles, log: Logger, onChange: () => void): () => void {
  const burst = coalescer(onChange);
  const watchers: FSWatcher[] = [];
  const endpointsPath = files.endpoints === undefined ? undefined : resolve(files.endpoints);
  const manifestsDir = resolve(files.manifests);
  try {
    watchers.push(watch(manifestsDir, { recursive: true }, (_event, name) => {
      // No name: the platform could not say which file; reload to be safe. A directory
      // renamed or removed names no manifest extension, and is seen when a file in it is.
      if (name === null || isManifestFile(name) || resolve(manifestsDir, name) === endpointsPath) burst.event();
    }));
  } catch (error) {
    log.warn("cannot watch the manifests directory; changes need a restart", { dir: files.manifests, error: (error as Error).message });
  }
  if (endpointsPath !== undefined) {
    // Watch the directory: editors replace files by renaming, which ends a file watch.
    const file = basename(endpointsPath);
    try {
      watchers.push(watch(dirname(endpointsPath), (_event, name) => {
        if (name === null || name === file) burst.event();
      }));
    } catch (error) {
      log.warn("cannot watch the endpoints file; changes need a restart", { file: files.endpoints, error: (error as Error).message });
    }
  }
  return () => {
    burst.cancel();
    for (const w of watchers) w.close();
  };
}
