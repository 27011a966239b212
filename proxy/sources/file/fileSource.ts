// File mode: the manifests directory plus the local endpoints file are the whole
// configuration. Both are watched; a change that does not load cleanly is reported
// (file, object, field) and the last good Snapshot stays the current one. Manifests
// are loaded strictly: an object its CRD schema refuses (unknown field, wrong type,
// value out of range) is left out and routes nothing; the others load.
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { endpointsFileObjects } from "./endpointsFile.ts";
import type { Logger } from "../../lib/log.ts";
import type { Metrics } from "../../lib/metrics.ts";
import { readManifestDir, type ManifestParse } from "./manifestFiles.ts";
import { formatObjectError, normalizeObjects, type SourcedObject } from "../normalize/normalize.ts";
import type { Snapshot } from "../../model/snapshot.ts";

const DEBOUNCE_MS = 100;

export interface FileSourceOptions {
  /** Directory of Gateway API manifests (e.g. dist/). */
  readonly manifests: string;
  /** The local endpoints file standing in for EndpointSlices. */
  readonly endpoints?: string | undefined;
}

export type LoadOutcome = { readonly snapshot: Snapshot; readonly errors: readonly string[] };

/** Reads and normalizes the files once. Errors name the file and the field. */
export async function loadFileSnapshot(options: FileSourceOptions): Promise<LoadOutcome> {
  let manifests: ManifestParse;
  try {
    manifests = await readManifestDir(options.manifests);
  } catch (error) {
    manifests = { objects: [], errors: [`${options.manifests}: cannot read the manifests directory: ${(error as Error).message}`] };
  }
  return await loadManifests(manifests, options.endpoints);
}

/**
 * Normalizes manifests already read (and the endpoints file, when given) exactly as
 * serving them would: `courier check` calls this with the files it was named.
 */
export async function loadManifests(manifests: ManifestParse, endpoints: string | undefined): Promise<LoadOutcome> {
  const errors: string[] = [...manifests.errors];
  // Manifests are checked against their CRD schemas as kubectl would check them;
  // the endpoints file's objects are Courier's own, checked by endpointsFile.ts.
  const objects: SourcedObject[] = manifests.objects.map((entry) => ({ ...entry, strict: true }));
  if (endpoints !== undefined) {
    try {
      const parsed = endpointsFileObjects(parseYaml(await readFile(endpoints, "utf8")));
      for (const e of parsed.errors) errors.push(`${endpoints}: ${e.path}: ${e.message}`);
      for (const object of parsed.objects) objects.push({ object, source: endpoints });
    } catch (error) {
      errors.push(`${endpoints}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const normalized = normalizeObjects(objects);
  for (const e of normalized.errors) errors.push(formatObjectError(e));
  return { snapshot: normalized.snapshot, errors };
}

/**
 * Loads the files, hands the Snapshot over, and reloads on every change. At start-up
 * the valid part of a configuration with errors is served; later, a configuration
 * with errors is refused whole and the last good one keeps serving.
 */
export async function startFileSource(options: FileSourceOptions, log: Logger, metrics: Metrics, onSnapshot: (snapshot: Snapshot) => void): Promise<{ stop(): Promise<void> }> {
  let loaded = false;
  const reload = async (): Promise<void> => {
    const { snapshot, errors } = await loadFileSnapshot(options);
    for (const error of errors) log.error("configuration error", { error });
    if (errors.length > 0) metrics.inc("courier_config_errors_total", "Configuration loads that found errors.");
    if (errors.length > 0 && loaded) {
      log.warn("keeping the last good configuration until the errors are fixed");
      return;
    }
    loaded = true;
    onSnapshot(snapshot);
  };
  await reload();
  let reloading = Promise.resolve();
  const stopWatching = watchFileConfig(options, log, () => {
    reloading = reloading.then(reload, reload);
  });
  return {
    async stop() {
      stopWatching();
      await reloading;
    },
  };
}

/**
 * Watches the manifests directory and the endpoints file and calls `onChange` at most
 * once per burst of file events. Returns a function that stops watching.
 */
function watchFileConfig(options: FileSourceOptions, log: Logger, onChange: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, DEBOUNCE_MS);
  };
  const watchers: FSWatcher[] = [];
  try {
    watchers.push(watch(resolve(options.manifests), { recursive: true }, schedule));
  } catch (error) {
    log.warn("cannot watch the manifests directory; changes need a restart", { dir: options.manifests, error: (error as Error).message });
  }
  if (options.endpoints !== undefined) {
    // Watch the directory: editors replace files by renaming, which ends a file watch.
    const file = basename(options.endpoints);
    try {
      watchers.push(watch(dirname(resolve(options.endpoints)), (_event, name) => {
        if (name === null || name === file) schedule();
      }));
    } catch (error) {
      log.warn("cannot watch the endpoints file; changes need a restart", { file: options.endpoints, error: (error as Error).message });
    }
  }
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
