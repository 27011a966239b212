// `courier explain --sni NAME`: loads the configuration once, as `courier serve`
// would (the file source's loader, or the cluster source's informers until their
// first Snapshot), plans it, and prints where a connection with that SNI would go
// and why every other candidate lost.
import { COURIER_CONTROLLER_NAME, controllerNameProblem } from "../../contract/index.ts";
import { parseOptions, stringValue } from "./args.ts";
import type { CliIo } from "./cliIo.ts";
import { explainConnection } from "../diagnose/explain.ts";
import { formatExplanation } from "../diagnose/report.ts";
import { KubeClient } from "../kubeapi/client.ts";
import { printable } from "../lib/escape.ts";
import { Logger } from "../lib/log.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { loadFileSnapshot } from "../sources/file/fileSource.ts";
import { startClusterSource } from "../sources/kube/clusterSource.ts";
import { planner } from "./planner.ts";
import { chooseMode } from "./mode.ts";
import { credentialsFor, pathProblem } from "./preflight.ts";

export const EXPLAIN_USAGE = `Usage: courier explain --sni NAME [--port N] --manifests DIR [--endpoints FILE]
       courier explain --sni NAME [--port N] --kubeconfig FILE|in-cluster

Shows where a connection with this SNI would go: which Gateway listener, route and
backends, and why every other candidate lost (hostname precedence, an older route,
allowedRoutes, listener hostnames, sectionName/port, a missing ReferenceGrant, weight
0, no ready endpoint). The configuration is read once, as \`courier serve\` reads it:
the files, or a list of the cluster's objects.

Options:
  --sni NAME               the server name a client sends
  --port N                 the Gateway listener port it connects to (default: every port)
  --manifests DIR          file mode: the manifests directory
  --endpoints FILE         file mode: the endpoints file (without it no backend has endpoints)
  --kubeconfig FILE        cluster mode: list the cluster's objects ("in-cluster" in a pod)
  --controller-name NAME   whose GatewayClasses are Courier's (default ${COURIER_CONTROLLER_NAME})
  -h, --help               this help

Exit code: 0 the connection would be forwarded, 1 it would be refused, 2 the command could not run.
`;

/** How long the cluster's first list may take before explain gives up. */
const CLUSTER_LIST_TIMEOUT_MS = 30_000;

async function clusterSnapshot(kubeconfig: string, io: CliIo): Promise<Snapshot | string> {
  // The same rules as serve: "in-cluster", or a kubeconfig file (with its current-context).
  const mode = chooseMode({ kubeconfig, context: undefined, manifestsGiven: false }, io.env);
  if ("error" in mode) return mode.error;
  if (mode.kind !== "cluster") return `--kubeconfig ${kubeconfig}: no cluster configuration found`;
  const loaded = credentialsFor(mode);
  if ("error" in loaded) return loaded.error;
  const log = new Logger("warn", (line) => io.err(`${line}\n`));
  let first: ((snapshot: Snapshot) => void) | undefined;
  const snapshot = new Promise<Snapshot>((resolve) => (first = resolve));
  // The same informers serve uses; the first Snapshot is the list of every watched kind.
  const listing = startClusterSource(new KubeClient(loaded.credentials), log, (s) => first?.(s));
  const timeout = Bun.sleep(CLUSTER_LIST_TIMEOUT_MS).then(() => `no complete list from ${loaded.credentials.server} within ${CLUSTER_LIST_TIMEOUT_MS / 1000} s`);
  const result = await Promise.race([snapshot, timeout]);
  // Listed once: the watches that follow are not needed.
  void listing.then((source) => source.stop());
  return result;
}

export async function runExplain(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions(argv, {
    sni: { type: "string" },
    port: { type: "string" },
    manifests: { type: "string" },
    endpoints: { type: "string" },
    kubeconfig: { type: "string" },
    "controller-name": { type: "string" },
  });
  if ("error" in parsed) return io.usageError("explain", parsed.error);
  const sni = stringValue(parsed, "sni");
  const portText = stringValue(parsed, "port");
  const manifests = stringValue(parsed, "manifests");
  const endpoints = stringValue(parsed, "endpoints");
  const kubeconfig = stringValue(parsed, "kubeconfig");
  const controllerName = stringValue(parsed, "controller-name") ?? COURIER_CONTROLLER_NAME;
  const port = portText === undefined ? undefined : Number(portText);
  const problems: string[] = [];
  if (sni === undefined || sni === "") problems.push("--sni NAME is required");
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) problems.push(`--port must be a port number 1..65535, not ${JSON.stringify(portText)}`);
  if ((manifests === undefined) === (kubeconfig === undefined)) problems.push("give either --manifests DIR (file mode) or --kubeconfig FILE (cluster mode)");
  if (kubeconfig !== undefined && endpoints !== undefined) problems.push("--endpoints is for file mode; the cluster has its own EndpointSlices");
  if (manifests !== undefined) problems.push(...[pathProblem("--manifests", manifests, "directory"), endpoints === undefined ? undefined : pathProblem("--endpoints", endpoints, "file")].filter((p): p is string => p !== undefined));
  const controllerProblem = controllerNameProblem(controllerName);
  if (controllerProblem !== undefined) problems.push(`--controller-name: ${controllerProblem}`);
  if (problems.length > 0) return io.usageError("explain", problems.join("\n"));

  let snapshot: Snapshot;
  if (manifests !== undefined) {
    const loaded = await loadFileSnapshot({ manifests, endpoints });
    // Left-out objects change the answer: say so, as serve would log them.
    for (const error of loaded.errors) io.err(`courier explain: configuration error (object left out): ${printable(error)}\n`);
    snapshot = loaded.snapshot;
  } else {
    const listed = await clusterSnapshot(kubeconfig!, io);
    if (typeof listed === "string") return io.usageError("explain", listed);
    snapshot = listed;
  }
  const options = { controllerName, portOffset: 0, listenAddress: "0.0.0.0", gatewayAddresses: [], gatewayAddressRange: undefined, addressService: undefined };
  const plan = planner(options, manifests !== undefined)(snapshot);
  const explanation = explainConnection(snapshot, plan, { sni: sni!, ...(port === undefined ? {} : { port }) });
  for (const line of formatExplanation(explanation)) io.out(`${printable(line)}\n`);
  return explanation.routed ? 0 : 1;
}
