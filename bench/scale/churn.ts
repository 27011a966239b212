// Unrelated churn: EndpointSlice updates at a steady rate to Services no route names,
// each moving the slice's one endpoint between two addresses (the backends' and one
// next to it; nothing connects to these Services). A real cluster's rolling
// deployments look like this to a gateway that watches every slice.
import type { KubeClient } from "../../proxy/kubeapi/client.ts";
import { objectPath } from "../../proxy/kubeapi/resources.ts";
import { RESOURCES } from "./scaleObjects.ts";

/** Updates beyond this many unanswered are skipped (and counted) rather than queued. */
const MAX_IN_FLIGHT = 16;

export interface Churn {
  /** Stops sending; resolves once the updates in flight are answered. */
  stop(): Promise<{ readonly sent: number; readonly failed: number; readonly skipped: number; readonly seconds: number }>;
}

export function startChurn(client: KubeClient, slices: readonly { readonly namespace: string; readonly service: string }[], perSecond: number, address: string, port: number): Churn {
  const other = address.replace(/\.(\d+)$/, (_, last: string) => `.${(Number(last) % 250) + 1}`);
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let turn = 0;
  const pending = new Set<Promise<void>>();
  const tick = (): void => {
    if (slices.length === 0) return;
    if (inFlight >= MAX_IN_FLIGHT) {
      skipped++;
      return;
    }
    const slice = slices[turn % slices.length]!;
    // Each pass over the slices flips every endpoint once.
    const endpoint = Math.floor(turn / slices.length) % 2 === 0 ? other : address;
    turn++;
    inFlight++;
    const patch = { ports: [{ name: "tls", port, protocol: "TCP" }], endpoints: [{ addresses: [endpoint], conditions: { ready: true } }] };
    const request = client
      .request("PATCH", objectPath(RESOURCES.endpointSlices, slice.namespace, `${slice.service}-1`), patch, "application/merge-patch+json")
      .then(
        () => void sent++,
        () => void failed++,
      )
      .finally(() => {
        inFlight--;
        pending.delete(request);
      });
    pending.add(request);
  };
  // Timers run late on a busy machine: each wake-up sends what is due by the clock,
  // so the rate holds on average.
  const started = performance.now();
  let issued = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * perSecond) / 1000);
    for (; issued < due; issued++) tick();
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(pending);
      return { sent, failed, skipped, seconds };
    },
  };
}
