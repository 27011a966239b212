// The tree shows the pipeline: proxy/'s folders are its layers, imports point one
// way (no cycle between files, none between folders), and the proxy never pulls in
// the construct library or cdk8s.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "../..");
const proxyDir = join(root, "proxy");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

const files = sourceFiles(proxyDir);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g;

/** Every import of a file: relative ones resolved to absolute paths, packages as written. */
function importsOf(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(IMPORT)].map((match) => {
    const spec = match[1]!;
    return spec.startsWith(".") ? resolve(dirname(file), spec) : spec;
  });
}

const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => target.startsWith(proxyDir))]));

/** One cycle in a graph, as a list of nodes, or undefined. */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

const short = (path: string) => relative(root, path);

describe("proxy/ layout", () => {
  test("at most 4 .ts files sit directly in proxy/", () => {
    expect(files.filter((file) => dirname(file) === proxyDir).length).toBeLessThanOrEqual(4);
  });

  test("every relative import names a file that exists", () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((target) => !files.includes(target)).map((target) => `${short(file)} -> ${short(target)}`));
    expect(missing).toEqual([]);
  });

  test("no import cycle between files", () => {
    expect(findCycle(graph)?.map(short)).toBeUndefined();
  });

  test("no import cycle between folders", () => {
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of graph) {
      const from = dirname(file);
      const edges = folders.get(from) ?? new Set<string>();
      folders.set(from, edges);
      for (const target of targets) if (dirname(target) !== from) edges.add(dirname(target));
    }
    expect(findCycle(new Map([...folders].map(([folder, edges]) => [folder, [...edges]])))?.map(short)).toBeUndefined();
  });

  test("the proxy imports neither the construct library nor cdk8s", () => {
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(join(root, "src")) || /^(cdk8s|cdk8s-plus-\d+|constructs)(\/|$)/.test(target))
        .map((target) => `${short(file)} -> ${target.startsWith("/") ? short(target) : target}`),
    );
    expect(offending).toEqual([]);
  });
});
