// `courier check PATH...`: loads the manifests exactly as `courier serve` does (the
// file source's loader: YAML, the CRDs' schemas, normalization), translates them as
// file mode would, and prints every problem with its file, object, field and a fix.
import { statSync } from "node:fs";
import { COURIER_CONTROLLER_NAME, controllerNameProblem } from "../../contract/index.ts";
import { parseOptions, stringValue } from "./args.ts";
import type { CliIo } from "./cliIo.ts";
import { checkConfiguration } from "../diagnose/configCheck.ts";
import { formatProblem } from "../diagnose/report.ts";
import { printable } from "../lib/escape.ts";
import { loadManifests } from "../sources/file/fileSource.ts";
import { readManifestDir, readManifestFiles, type ManifestParse } from "../sources/file/manifestFiles.ts";
import { pathProblem } from "./preflight.ts";
import { planner } from "./planner.ts";

export const CHECK_USAGE = `Usage: courier check PATH... [--endpoints FILE] [--controller-name NAME]

Validates manifests offline, as \`courier serve\` would load them: YAML, each object
against its CRD's schema, then what Courier would make of them: listeners it would not
serve or that conflict, routes no Gateway accepts, references that do not resolve
(ReferenceGrant, Service, port), hostnames another route wins. Every finding names the
file, the object and the field, with a fix. PATHs are files or directories (searched
recursively for .yaml, .yml and .json), checked together as one configuration.

Options:
  --endpoints FILE         the file-mode endpoints file: backendRefs to Services are
                           then checked as file mode serves them (without it, a Service
                           the files do not contain is taken as cluster state)
  --controller-name NAME   the controllerName whose GatewayClasses count as Courier's
                           (default ${COURIER_CONTROLLER_NAME})
  -h, --help               this help

Exit code: 0 no errors (warnings are printed), 1 errors found, 2 the command could not run.
`;

async function readPaths(paths: readonly string[]): Promise<ManifestParse> {
  const objects: ManifestParse["objects"][number][] = [];
  const errors: string[] = [];
  for (const path of paths) {
    const parsed = statSync(path).isDirectory() ? await readManifestDir(path) : await readManifestFiles([path]);
    objects.push(...parsed.objects);
    errors.push(...parsed.errors);
  }
  return { objects, errors };
}

/** Where each object came from, by the identity configCheck asks for. */
function sourceIndex(parsed: ManifestParse): (kind: string, namespace: string, name: string) => string | undefined {
  const sources = new Map<string, string>();
  for (const { object, source } of parsed.objects) {
    if (typeof object !== "object" || object === null || source === undefined) continue;
    const record = object as { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } };
    const namespace = typeof record.metadata?.namespace === "string" ? record.metadata.namespace : "";
    if (typeof record.kind === "string" && typeof record.metadata?.name === "string") sources.set(`${record.kind}\n${namespace}\n${record.metadata.name}`, source);
  }
  return (kind, namespace, name) => sources.get(`${kind}\n${namespace}\n${name}`);
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions(argv, { endpoints: { type: "string" }, "controller-name": { type: "string" } }, true);
  if ("error" in parsed) return io.usageError("check", parsed.error);
  if (parsed.positionals.length === 0) return io.usageError("check", "name at least one PATH (a manifest file or directory)");
  const endpoints = stringValue(parsed, "endpoints");
  const controllerName = stringValue(parsed, "controller-name") ?? COURIER_CONTROLLER_NAME;
  const problems = [
    ...parsed.positionals.map((path) => pathProblem("PATH", path, statSafe(path) ? "directory" : "file")),
    endpoints === undefined ? undefined : pathProblem("--endpoints", endpoints, "file"),
    controllerNameProblem(controllerName),
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) return io.usageError("check", problems.join("; "));

  const read = await readPaths(parsed.positionals);
  const loaded = await loadManifests(read, endpoints);
  const plan = planner({ controllerName, portOffset: 0, listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: undefined, addressService: undefined }, true)(loaded.snapshot);
  const result = checkConfiguration({ snapshot: loaded.snapshot, plan, sourceOf: sourceIndex(read), backendsKnown: endpoints !== undefined });

  const lines: string[] = loaded.errors.map((error) => `ERROR ${error}`);
  for (const problem of result.problems) lines.push(...formatProblem(problem));
  if (result.uncheckedBackends > 0) {
    lines.push(`note: ${result.uncheckedBackends} backendRef${result.uncheckedBackends === 1 ? " names a Service" : "s name Services"} not in these files (cluster state); give --endpoints FILE to check them as file mode serves them`);
  }
  const errors = loaded.errors.length + result.problems.filter((p) => p.severity === "error").length;
  const warnings = result.problems.length - (errors - loaded.errors.length);
  const s = loaded.snapshot;
  lines.push(
    `courier check: ${s.gatewayClasses.length} GatewayClasses, ${s.gateways.length} Gateways, ${s.tlsRoutes.length} TLSRoutes, ${s.referenceGrants.length} ReferenceGrants read: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`,
  );
  for (const line of lines) io.out(`${printable(line)}\n`);
  return errors > 0 ? 1 : 0;
}

function statSafe(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
