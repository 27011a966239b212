// The cluster cache slims objects to what translate() reads: every courier.dev/* route
// setting must survive it, or cluster mode would silently ignore an annotation that
// file mode honours.
import { expect, test } from "bun:test";
import { FALLBACK_ANNOTATION, HEALTH_CHECK_ANNOTATIONS, IDLE_TIMEOUT_ANNOTATION, TCP_KEEPALIVE_ANNOTATION } from "../../../../contract/index.ts";
import { Logger } from "../../../../proxy/lib/log.ts";
import { cacheObject } from "../../../../proxy/sources/kube/objectCache.ts";

test("a TLSRoute keeps its route-setting annotations and drops the rest", () => {
  const settings = Object.fromEntries([FALLBACK_ANNOTATION, IDLE_TIMEOUT_ANNOTATION, TCP_KEEPALIVE_ANNOTATION, ...HEALTH_CHECK_ANNOTATIONS].map((key, i) => [key, `value-${i}`]));
  const route = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "TLSRoute",
    metadata: { name: "db", namespace: "default", generation: 1, annotations: { ...settings, "example.com/other": "dropped" } },
    spec: { parentRefs: [{ name: "gw" }], hostnames: ["db.example.com"], rules: [{ backendRefs: [{ name: "db", port: 5432 }] }] },
  };
  const cached = cacheObject(route, new Logger("error"));
  expect(cached.normalized?.kind).toBe("TLSRoute");
  expect(cached.normalized?.kind === "TLSRoute" ? cached.normalized.value.meta.annotations : undefined).toEqual(settings);
});
