// Core and discovery objects (Service, EndpointSlice, Namespace) and the MCS
// ServiceImport -> Snapshot shapes.

import {
  FieldError,
  type JsonRecord,
  arrayField,
  asRecord,
  integerField,
  joinPath,
  optionalBooleanField,
  optionalIntegerField,
  optionalStringField,
  recordField,
  stringField,
  stringListField,
} from "./fieldReader.ts";
import { readObjectMeta } from "./objectMeta.ts";
import {
  SERVICE_IMPORT_NAME_LABEL,
  SERVICE_NAME_LABEL,
  type Endpoint,
  type EndpointSlice,
  type Namespace,
  type Service,
  type ServiceImport,
  type ServicePort,
} from "../../model/snapshot.ts";

const PORT_RANGE = { min: 1, max: 65535 };

export function normalizeService(object: JsonRecord): Service {
  const meta = readObjectMeta(object, true);
  const spec = recordField(object, "spec", "");
  const type = optionalStringField(spec, "type", "spec") ?? "ClusterIP";
  const externalName = optionalStringField(spec, "externalName", "spec");
  if (type === "ExternalName" && (externalName === undefined || externalName === "")) {
    throw new FieldError("spec.externalName", "is required when type is ExternalName");
  }
  const clusterIPs = stringListField(spec, "clusterIPs", "spec");
  const clusterIP = optionalStringField(spec, "clusterIP", "spec");
  return {
    meta,
    type,
    externalName,
    ports: readServicePorts(spec, "spec"),
    // "None" is a headless Service: no virtual address.
    clusterIPs: (clusterIPs.length > 0 ? clusterIPs : clusterIP === undefined ? [] : [clusterIP]).filter((ip) => ip !== "" && ip !== "None"),
    loadBalancerIngress: readLoadBalancerIngress(object),
  };
}

function readLoadBalancerIngress(object: JsonRecord): Service["loadBalancerIngress"] {
  const loadBalancer = recordField(recordField(object, "status", ""), "loadBalancer", "status");
  return arrayField(loadBalancer, "ingress", "status.loadBalancer").flatMap((raw, index): Service["loadBalancerIngress"] => {
    const path = `status.loadBalancer.ingress[${index}]`;
    const entry = asRecord(raw, path);
    const ip = optionalStringField(entry, "ip", path);
    const hostname = optionalStringField(entry, "hostname", path);
    return ip !== undefined && ip !== "" ? [{ type: "IPAddress", value: ip }] : hostname !== undefined && hostname !== "" ? [{ type: "Hostname", value: hostname }] : [];
  });
}

function readServicePorts(spec: JsonRecord, path: string): readonly ServicePort[] {
  return arrayField(spec, "ports", path).map((raw, index): ServicePort => {
    const portPath = joinPath(joinPath(path, "ports"), index);
    const port = asRecord(raw, portPath);
    const targetPort = port["targetPort"];
    if (targetPort !== undefined && targetPort !== null && typeof targetPort !== "number" && typeof targetPort !== "string") {
      throw new FieldError(joinPath(portPath, "targetPort"), "must be a port number or a port name");
    }
    return {
      name: optionalStringField(port, "name", portPath) ?? "",
      port: integerField(port, "port", portPath, PORT_RANGE),
      protocol: optionalStringField(port, "protocol", portPath) ?? "TCP",
      targetPort: targetPort ?? undefined,
      appProtocol: optionalStringField(port, "appProtocol", portPath),
    };
  });
}

export function normalizeEndpointSlice(object: JsonRecord): EndpointSlice {
  const meta = readObjectMeta(object, true);
  const addressType = stringField(object, "addressType", "");
  const ports = arrayField(object, "ports", "").map((raw, index) => {
    const path = joinPath("ports", index);
    const port = asRecord(raw, path);
    return {
      name: optionalStringField(port, "name", path) ?? "",
      port: optionalIntegerField(port, "port", path, PORT_RANGE),
      protocol: optionalStringField(port, "protocol", path) ?? "TCP",
    };
  });
  const endpoints = arrayField(object, "endpoints", "").map((raw, index): Endpoint => {
    const path = joinPath("endpoints", index);
    const endpoint = asRecord(raw, path);
    const conditionsPath = joinPath(path, "conditions");
    const conditions = recordField(endpoint, "conditions", path);
    const addresses = stringListField(endpoint, "addresses", path);
    if (addresses.length === 0) throw new FieldError(joinPath(path, "addresses"), "must list at least one address");
    return {
      addresses,
      conditions: {
        ready: optionalBooleanField(conditions, "ready", conditionsPath),
        serving: optionalBooleanField(conditions, "serving", conditionsPath),
        terminating: optionalBooleanField(conditions, "terminating", conditionsPath),
      },
    };
  });
  const serviceName = meta.labels[SERVICE_NAME_LABEL];
  const serviceImportName = meta.labels[SERVICE_IMPORT_NAME_LABEL];
  return { meta, addressType, serviceName, serviceImportName, ports, endpoints };
}

export function normalizeServiceImport(object: JsonRecord): ServiceImport {
  const meta = readObjectMeta(object, true);
  const spec = recordField(object, "spec", "");
  return { meta, type: optionalStringField(spec, "type", "spec") ?? "ClusterSetIP", ports: readServicePorts(spec, "spec") };
}

export function normalizeNamespace(object: JsonRecord): Namespace {
  return { meta: readObjectMeta(object, false) };
}
