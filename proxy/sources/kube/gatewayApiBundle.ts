// Reads the gatewayclasses CRD, whose bundle-version annotation says which Gateway
// API release is installed (GatewayClass SupportedVersion). No watch: the CRD changes
// only on upgrades, so the cluster source re-reads it on its resync interval. Without
// permission to read CRDs the condition is left out rather than guessed.
import { APIEXTENSIONS_API_GROUP, GATEWAY_CLASS_CRD_NAME } from "../../../contract/index.ts";
import { KubeApiError, type KubeClient } from "../../kubeapi/client.ts";

const PATH = `/apis/${APIEXTENSIONS_API_GROUP}/v1/customresourcedefinitions/${GATEWAY_CLASS_CRD_NAME}`;

export type BundleRead = { readonly crd: Record<string, unknown> } | { readonly denied: string };

/** The CRD with apiVersion/kind set, as normalize expects it; `denied` when RBAC or absence says no. */
export async function readGatewayApiBundle(client: KubeClient): Promise<BundleRead> {
  try {
    const crd = await client.request("GET", PATH);
    // Only the metadata matters, and the schema is large: keep the Snapshot small.
    return { crd: { apiVersion: `${APIEXTENSIONS_API_GROUP}/v1`, kind: "CustomResourceDefinition", metadata: crd.metadata } };
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 403 || error.status === 404)) return { denied: error.message };
    throw error;
  }
}
