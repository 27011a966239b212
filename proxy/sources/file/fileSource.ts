// File mode: the manifests directory plus the local endpoints file are the whole
// configuration. Both are watched; a change that does not load cleanly is reported
// (file, object, field) and the last good Snapshot stays the current one. Manifests
// are loaded strictly: an object its CRD schema refuses (unknown field, wrong type,
// value out of range) is left out and routes nothing; the others load.
// A change that would take every listener down, or empty a file, waits for a second
// read (reloadGuard.ts). File events are coalesced with a maximum wait (fileWatch.ts).
import { METRIC } from "../../../contract/index.ts";
import { parse as parseYaml } from "yaml";
import { endpointsFileObjects } from "./endpointsFile.ts";
import type { Logger } from "../../lib/log.ts";
import type { Metrics } from "../../lib/metrics.ts";
import { digestOf, QUIET_YAML, readManifestDir, type FileRead, type ManifestParse } from "./manifestFiles.ts";
import { formatObjectError, normalizeObjects, type SourcedObject } from "../normalize/normalize.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { watchFileConfig } from "./fileWatch.ts";
import { drasticChange, fingerprint, type LoadShape } from "./reloadGuard.ts";
import { DEFAULT_FILE_SIZE_LIMITS, readLimitedText, type FileSizeLimits } from "./sizeLimits.ts";

/** How long a drastic change must read the same before it is applied. */
export const DEFAULT_CONFIRM_MS = 1_000;

export interface FileSourceOptions {
  /** Directory of Gateway API manifests (e.g. dist/). */
  readonly manifests: string;
  /** The local endpoints file standing in for EndpointSlices. */
  readonly endpoints?: string | undefined;
  /** Per-file and per-directory size limits; default DEFAULT_FILE_SIZE_LIMITS. */
  readonly sizeLimits?: FileSizeLimits | undefined;
  /** How long a drastic change must read the same before it is applied; default DEFAULT_CONFIRM_MS. */
  readonly confirmMs?: number | undefined;
}

export type LoadOutcome = {
  readonly snapshot: Snapshot;
  readonly errors: readonly string[];
  /** The files read (manifests, then the endpoints file), for the reload guard. */
  readonly files: readonly FileRead[];
};

/** Reads and normalizes the files once. Errors name the file and the field. */
export async function loadFileSnapshot(options: FileSourceOptions): Promise<LoadOutcome> {
  const limits = options.sizeLimits ?? DEFAULT_FILE_SIZE_LIMITS;
  let manifests: ManifestParse;
  try {
    manifests = await readManifestDir(options.manifests, limits);
  } catch (error) {
    manifests = { objects: [], errors: [`${options.manifests}: cannot read the manifests directory: ${(error as Error).message}`] };
  }
  return await loadManifests(manifests, options.endpoints, limits);
}

/**
 * Normalizes manifests already read (and the endpoints file, when given) exactly as
 * serving them would: `courier check` calls this with the files it was named.
 */
export async function loadManifests(manifests: ManifestParse, endpoints: string | undefined, limits: FileSizeLimits = DEFAULT_FILE_SIZE_LIMITS): Promise<LoadOutcome> {
  const errors: string[] = [...manifests.errors];
  const files: FileRead[] = [...(manifests.files ?? [])];
  // Manifests are checked against their CRD schemas as kubectl would check them;
  // the endpoints file's objects are Courier's own, checked by endpointsFile.ts.
  const objects: SourcedObject[] = manifests.objects.map((entry) => ({ ...entry, strict: true }));
  if (endpoints !== undefined) {
    try {
      const text = await readLimitedText(endpoints, limits.maxFileBytes);
      const parsed = endpointsFileObjects(parseYaml(text, QUIET_YAML));
      for (const e of parsed.errors) errors.push(`${endpoints}: ${e.path}: ${e.message}`);
      for (const object of parsed.objects) objects.push({ object, source: endpoints });
      files.push({ path: endpoints, objects: parsed.objects.length, digest: digestOf(text) });
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!;
      errors.push(message.startsWith(endpoints) ? message : `${endpoints}: ${message}`);
    }
  }
  const normalized = normalizeObjects(objects);
  for (const e of normalized.errors) errors.push(formatObjectError(e));
  return { snapshot: normalized.snapshot, errors, files };
}

/** The shape of a load the reload guard compares. */
function shapeOf(outcome: LoadOutcome): LoadShape {
  return { listeners: outcome.snapshot.gateways.reduce((sum, g) => sum + g.listeners.length, 0), files: outcome.files };
}

/**
 * Loads the files, hands the Snapshot over, and reloads on every change. At start-up
 * the valid part of a configuration with errors is served; later, a configuration
 * with errors is refused whole and the last good one keeps serving. A drastic change
 * (reloadGuard.ts) is applied only once it has read the same for `confirmMs`.
 */
export async function startFileSource(options: FileSourceOptions, log: Logger, metrics: Metrics, onSnapshot: (snapshot: Snapshot) => void): Promise<{ stop(): Promise<void> }> {
  const confirmMs = options.confirmMs ?? DEFAULT_CONFIRM_MS;
  let applied: LoadShape | undefined;
  // The drastic change waiting for confirmation: its content, and when it was first read.
  let held: { readonly print: string; readonly since: number } | undefined;
  let confirmTimer: ReturnType<typeof setTimeout> | undefined;
  let reloading = Promise.resolve();
  let stopped = false;
  const enqueue = (): void => {
    if (!stopped) reloading = reloading.then(reload, reload);
  };
  const release = (): void => {
    held = undefined;
    if (confirmTimer !== undefined) clearTimeout(confirmTimer);
    confirmTimer = undefined;
  };

  /** True when the load may be applied; false when it is held for a second read. */
  const passesGuard = (shape: LoadShape): boolean => {
    const reason = applied === undefined ? undefined : drasticChange(applied, shape);
    if (reason === undefined) return true;
    const print = fingerprint(shape);
    if (held?.print === print && Date.now() - held.since >= confirmMs) {
      log.warn("configuration change confirmed by a second read; applying it", { reason });
      return true;
    }
    if (held?.print !== print) {
      held = { print, since: Date.now() };
      log.warn("configuration change held back until a second read confirms it; the current configuration keeps serving", { reason, confirm: `${confirmMs}ms` });
      metrics.inc(METRIC.configHeld, "Configuration changes held back until a second read confirms them.");
    }
    // Re-read when the wait is over, whether or not the files change meanwhile.
    if (confirmTimer !== undefined) clearTimeout(confirmTimer);
    confirmTimer = setTimeout(() => {
      confirmTimer = undefined;
      enqueue();
    }, Math.max(0, held.since + confirmMs - Date.now()));
    return false;
  };

  const reload = async (): Promise<void> => {
    const outcome = await loadFileSnapshot(options);
    const { snapshot, errors } = outcome;
    for (const error of errors) log.error("configuration error", { error });
    if (errors.length > 0) metrics.inc(METRIC.configErrors, "Configuration loads that found errors.");
    if (errors.length > 0 && applied !== undefined) {
      release();
      log.warn("keeping the last good configuration until the errors are fixed");
      return;
    }
    const shape = shapeOf(outcome);
    if (!passesGuard(shape)) return;
    release();
    applied = shape;
    onSnapshot(snapshot);
  };
  await reload();
  const stopWatching = watchFileConfig(options, log, enqueue);
  return {
    async stop() {
      stopped = true;
      stopWatching();
      release();
      await reloading;
    },
  };
}
