// translate() is deterministic: the same objects in any order give the same Plan,
// byte for byte once serialized (the status writer and the data plane compare Plans).
import { describe, expect, test } from "bun:test";
import { normalizeObjects, type SourcedObject } from "../../../proxy/sources/normalize/normalize.ts";
import { keyOf } from "../../../proxy/model/snapshot.ts";
import { ourGateways, translate } from "../../../proxy/translate/translate.ts";
import { baseObjects, conformanceFile, courierClass } from "./translateFixtures.ts";
import { seededRandom } from "../../helpers/seededRandom.ts";

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

describe("determinism", () => {
  // Several scenarios at once, so that routes compete for hostnames across Gateways.
  const objects: SourcedObject[] = [
    courierClass,
    ...baseObjects(),
    ...conformanceFile("tlsroute-hostname-intersection.yaml"),
    ...conformanceFile("tlsroute-invalid-reference-grant.yaml"),
    ...conformanceFile("tlsroute-invalid-no-matching-listener.yaml"),
    ...conformanceFile("tlsroute-listener-passthrough-supported-kinds.yaml"),
  ];
  const reference = JSON.stringify(translate(normalizeObjects(objects).snapshot, { portOffset: 10000 }));

  for (const seed of [1, 2, 3, 42, 1234, 99999]) {
    test(`shuffled input (seed ${seed}) gives the identical Plan`, () => {
      const { snapshot, errors } = normalizeObjects(shuffled(objects, seededRandom(seed)));
      expect(errors).toEqual([]);
      expect(JSON.stringify(translate(snapshot, { portOffset: 10000 }))).toBe(reference);
    });
  }

  test("translating the same Snapshot twice gives equal Plans and does not mutate the Snapshot", () => {
    const { snapshot } = normalizeObjects(objects);
    const before = JSON.stringify(snapshot);
    expect(translate(snapshot)).toEqual(translate(snapshot));
    expect(JSON.stringify(snapshot)).toBe(before);
  });

  test("a shuffled Snapshot (bypassing normalize's sorting) still gives the identical Plan", () => {
    const { snapshot } = normalizeObjects(objects);
    const random = seededRandom(7);
    const scrambled = {
      gatewayClasses: shuffled(snapshot.gatewayClasses, random),
      gateways: shuffled(snapshot.gateways, random),
      tlsRoutes: shuffled(snapshot.tlsRoutes, random),
      referenceGrants: shuffled(snapshot.referenceGrants, random),
      services: shuffled(snapshot.services, random),
      endpointSlices: shuffled(snapshot.endpointSlices, random),
      serviceImports: shuffled(snapshot.serviceImports, random),
      namespaces: shuffled(snapshot.namespaces, random),
    };
    expect(JSON.stringify(translate(scrambled, { portOffset: 10000 }))).toBe(reference);
  });

  test("addresses come in as data: the same map in any order gives the same Plan, whatever was translated before", () => {
    const { snapshot } = normalizeObjects(objects);
    const gateways = ourGateways(snapshot);
    expect(gateways.length).toBeGreaterThan(1);
    const entries = gateways.map((gateway, i) => [keyOf(gateway.meta), { bind: `127.0.1.${i + 1}`, status: [{ type: "Hostname", value: `gw${i}.example.com` }] }] as const);
    const withAddresses = JSON.stringify(translate(snapshot, { portOffset: 10000, gatewayAddresses: new Map(entries) }));
    const bound: string[] = JSON.parse(withAddresses).ports.map((port: { address: string }) => port.address);
    expect(bound.length).toBeGreaterThan(0);
    expect(bound.every((address) => address.startsWith("127.0.1."))).toBe(true);
    // Other inputs in between leave no trace: translate() keeps no state.
    translate(snapshot, { portOffset: 10000, gatewayAddresses: new Map(entries.map(([key]) => [key, { bind: "127.0.9.9" }])) });
    expect(JSON.stringify(translate(snapshot, { portOffset: 10000, gatewayAddresses: new Map([...entries].reverse()) }))).toBe(withAddresses);
    // Without decided addresses, the Plan is the reference one, however often it was translated with them.
    expect(JSON.stringify(translate(snapshot, { portOffset: 10000 }))).toBe(reference);
  });
});
