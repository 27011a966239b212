import { describe, expect, test } from "bun:test";
import { endpointsFileObjects, parseHostPort } from "../../../../proxy/sources/file/endpointsFile.ts";
import { normalizeObjects } from "../../../../proxy/sources/normalize/normalize.ts";

describe("endpoints file", () => {
  test("host:port parsing, IPv6 in brackets, bad ports refused", () => {
    expect(parseHostPort("127.0.0.1:9443")).toEqual({ host: "127.0.0.1", port: 9443 });
    expect(parseHostPort("[::1]:443")).toEqual({ host: "::1", port: 443 });
    expect(parseHostPort("db.local:5432")).toEqual({ host: "db.local", port: 5432 });
    expect(parseHostPort("127.0.0.1")).toBeUndefined();
    expect(parseHostPort("127.0.0.1:70000")).toBeUndefined();
  });

  test("becomes Services and EndpointSlices that normalize cleanly", () => {
    const { objects, errors } = endpointsFileObjects({
      services: [
        { namespace: "default", name: "secure-service", ports: [{ port: 443, endpoints: ["127.0.0.1:9443", "127.0.0.2:9443", "127.0.0.3:9444"] }] },
        { namespace: "shop", name: "db", kind: "ServiceImport", ports: [{ port: 5432, endpoints: ["127.0.0.9:5432"] }] },
      ],
    });
    expect(errors).toEqual([]);
    const normalized = normalizeObjects(objects.map((object) => ({ object })));
    expect(normalized.errors).toEqual([]);
    expect(normalized.snapshot.services.map((s) => s.meta.name)).toEqual(["secure-service"]);
    expect(normalized.snapshot.serviceImports.map((s) => s.meta.name)).toEqual(["db"]);
    // Two target ports -> two slices for secure-service, one for the import.
    expect(normalized.snapshot.endpointSlices.length).toBe(3);
  });

  test("IPv4 and IPv6 endpoints of one port become one slice per family; names are refused", () => {
    const { objects, errors } = endpointsFileObjects({
      services: [{ name: "dual", ports: [{ port: 443, endpoints: ["127.0.0.1:9443", "[::1]:9443", "[fd00::2]:9443", "db.local:9443"] }] }],
    });
    expect(errors).toEqual([{ path: "services[0].ports[0].endpoints[3]", message: '"db.local:9443": give an IP address, not a name (IPv6 in brackets: "[::1]:9443")' }]);
    const normalized = normalizeObjects(objects.map((object) => ({ object })));
    expect(normalized.errors).toEqual([]);
    expect(normalized.snapshot.endpointSlices.map((slice) => [slice.meta.name, slice.addressType, slice.endpoints.flatMap((e) => e.addresses)])).toEqual([
      ["dual-443-9443", "IPv4", ["127.0.0.1"]],
      ["dual-443-9443-v6", "IPv6", ["::1", "fd00::2"]],
    ]);
  });

  test("errors name the entry and the field", () => {
    const { errors } = endpointsFileObjects({
      services: [
        { name: "ok", ports: [{ port: 443, endpoints: ["127.0.0.1:1", "nope"] }] },
        { name: "Bad_Name", ports: [] },
        { name: "x", ports: [{ port: 0, endpoints: [] }] },
      ],
    });
    expect(errors).toEqual([
      { path: "services[0].ports[0].endpoints[1]", message: 'expected "host:port", got "nope"' },
      { path: "services[1].name", message: 'not a valid Service name: "Bad_Name"' },
      { path: "services[2].ports[0].port", message: "not a port number 1..65535: 0" },
    ]);
    expect(endpointsFileObjects({ nothing: true }).errors[0]?.message).toBe("expected a list under `services:`");
  });
});
