// The proxy's RBAC, least privilege: read what it watches, write only the status
// subresources it owns, create events, and hold a Lease in its own namespace.

import { ApiResource, ClusterRole, ClusterRoleBinding, type IApiEndpoint, Role, RoleBinding, type ServiceAccount } from "cdk8s-plus-33";
import type { Construct } from "constructs";
import { APIEXTENSIONS_API_GROUP, COORDINATION_API_GROUP, DISCOVERY_API_GROUP, GATEWAY_API_GROUP, GATEWAY_CLASS_CRD_NAME, MCS_API_GROUP } from "../contract/index.js";

export interface ProxyRbacOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly serviceAccount: ServiceAccount;
}

/** Creates the ClusterRole (+binding) and the leader-election Role (+binding); returns the ClusterRole. */
export function createProxyRbac(scope: Construct, options: ProxyRbacOptions): ClusterRole {
  const { name, namespace, labels, serviceAccount } = options;
  const api = (apiGroup: string, resourceType: string): ApiResource => ApiResource.custom({ apiGroup, resourceType });
  const read = ["get", "list", "watch"];

  const role = new ClusterRole(scope, "ClusterRole", { metadata: { name, labels } });
  role.allow(read, api(GATEWAY_API_GROUP, "gatewayclasses"), api(GATEWAY_API_GROUP, "gateways"), api(GATEWAY_API_GROUP, "tlsroutes"), api(GATEWAY_API_GROUP, "referencegrants"));
  // Status only: the proxy never changes the spec users (or Argo CD) own.
  role.allow(["update", "patch"], api(GATEWAY_API_GROUP, "gatewayclasses/status"), api(GATEWAY_API_GROUP, "gateways/status"), api(GATEWAY_API_GROUP, "tlsroutes/status"));
  role.allow(read, api("", "services"), api("", "namespaces"));
  role.allow(read, api(DISCOVERY_API_GROUP, "endpointslices"));
  role.allow(read, api(MCS_API_GROUP, "serviceimports"));
  // One CRD, by name: its bundle-version annotation is the GatewayClass SupportedVersion condition.
  const gatewayClassCrd: IApiEndpoint = {
    asApiResource: () => ({ apiGroup: APIEXTENSIONS_API_GROUP, resourceType: "customresourcedefinitions", resourceName: GATEWAY_CLASS_CRD_NAME }),
    asNonApiResource: () => undefined,
  };
  role.allow(["get"], gatewayClassCrd);
  // Events go to the namespace of the Gateway or route they describe, so cluster-wide.
  role.allow(["create", "patch"], api("", "events"), api("events.k8s.io", "events"));
  new ClusterRoleBinding(scope, "ClusterRoleBinding", { metadata: { name, labels }, role }).addSubjects(serviceAccount);

  // Leader election needs a Lease only in the proxy's own namespace: a Role, not a ClusterRole.
  const leaseMetadata = { name: `${name}-leader-election`, namespace, labels };
  const leases = new Role(scope, "LeaderElectionRole", { metadata: leaseMetadata });
  leases.allow(["get", "create", "update"], api(COORDINATION_API_GROUP, "leases"));
  new RoleBinding(scope, "LeaderElectionRoleBinding", { metadata: leaseMetadata, role: leases }).addSubjects(serviceAccount);
  return role;
}
