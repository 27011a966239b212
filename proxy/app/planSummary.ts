// What a Plan serves, as lines for a person: one per hostname, with its backends.
import { hostPort } from "../lib/hostPort.ts";
import type { Plan } from "../model/plan.ts";

export function describePlan(plan: Plan): string[] {
  const lines: string[] = [];
  for (const port of plan.ports) {
    lines.push(`listening ${hostPort(port.address, port.port)}`);
    for (const { hostname, route } of port.hosts) {
      const backends = route.backends
        .map((b) => {
          const where = b.endpoints === undefined ? `invalid: ${b.invalidReason ?? "unknown"}` : b.endpoints.length === 0 ? "no ready endpoint" : b.endpoints.map((e) => hostPort(e.host, e.port)).join(",");
          return `${b.name} weight=${b.weight} -> ${where}`;
        })
        .join("; ");
      lines.push(`  ${hostname} -> ${route.id}${route.settings.fallback ? " (fallback)" : ""}: ${backends || "no backends"}`);
    }
  }
  if (plan.ports.length === 0) lines.push("serving nothing yet: no Gateway of ours with a valid TLS passthrough listener");
  return lines;
}
