// Shared helpers for the construct tests: synthesize a chart built by a callback,
// or collect the synth-time validation errors it produces.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Chart } from "cdk8s";

/** A Kubernetes object as synthesized (plain JSON). */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; [key: string]: unknown };

function newChart(namespace?: string): { app: App; chart: Chart } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), "courier-constructs-")) });
  const chart = new Chart(app, "test", namespace === undefined ? {} : { namespace });
  return { app, chart };
}

/** Synthesizes what `build` defines and returns the objects in order. */
export function synth(build: (chart: Chart) => void, namespace?: string): Manifest[] {
  const { chart } = newChart(namespace);
  build(chart);
  return chart.toJson() as Manifest[];
}

/** Runs validation over what `build` defines; returns the error text, or "" when valid. */
export function synthErrors(build: (chart: Chart) => void, namespace?: string): string {
  const { app, chart } = newChart(namespace);
  build(chart);
  try {
    app.synthYaml();
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

/** The one object of `kind` (and `name`, when given) in `objects`. */
export function find(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
  return found[0]!;
}
