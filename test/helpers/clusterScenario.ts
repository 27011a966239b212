// The objects a cluster test starts from: its namespaces created, then every manifest
// applied in one server-side apply.
import type { Cluster } from "./cluster.ts";

/** Creates `namespaces` (those that do not exist yet) and applies `objects` as one multi-document YAML. */
export async function applyScenario(cluster: Cluster, namespaces: readonly string[], objects: readonly string[]): Promise<void> {
  if (namespaces.length > 0) await cluster.createNamespaces(...namespaces);
  await cluster.apply(objects.join("---\n"));
}
