// The admin page: what this proxy serves and how it is doing, for a person. Pure: a
// status value in, HTML out. Every string from outside (object names, hostnames, SNIs,
// client addresses, error messages) goes through html(), which is printable() (the
// one escaping helper) followed by HTML's own entities; the page has no script.
import { formatDuration } from "../../contract/index.ts";
import type { LiveConnection } from "../dataplane/connectionContext.ts";
import type { BackendHealth } from "../dataplane/endpointHealth.ts";
import { printable } from "../lib/escape.ts";
import { hostPort } from "../lib/hostPort.ts";
import type { LoggedProblem } from "../lib/log.ts";
import type { Condition, Plan } from "../model/plan.ts";

export interface AdminStatus {
  readonly version: string;
  readonly mode: "files" | "cluster";
  readonly controllerName: string;
  readonly ready: boolean;
  readonly draining: boolean;
  /** undefined in file mode (nothing is elected). */
  readonly leader: boolean | undefined;
  /** Configurations applied so far, and when the last one was. */
  readonly generation: number;
  readonly loadedAt: string | undefined;
  /** The Plan as programmed (unbound sockets show in its listener status). */
  readonly plan: Plan | undefined;
  readonly backends: readonly BackendHealth[];
  readonly connections: readonly LiveConnection[];
  readonly openConnections: number;
  readonly problems: readonly LoggedProblem[];
  readonly now: string;
}

/** printable(), then HTML's entities: nothing from outside can open a tag or an attribute. */
export function html(value: string | number): string {
  return printable(String(value)).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${html(empty)}</p>`;
  const head = headers.map((h) => `<th>${html(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${html(cell)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const notTrue = (conditions: readonly Condition[]): Condition[] => conditions.filter((c) => (c.type === "Conflicted" ? c.status === "True" : c.status !== "True"));

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function listenersSection(plan: Plan | undefined): string {
  const rows: (string | number)[][] = [];
  for (const gateway of plan?.gateways ?? []) {
    const name = `${gateway.key.namespace ?? ""}/${gateway.key.name}`;
    for (const listener of gateway.listeners) {
      const programmed = listener.conditions.find((c) => c.type === "Programmed");
      const socket = plan!.ports.find((p) => p.listeners.some((l) => l.gateway === name && l.listener === listener.name));
      rows.push([name, listener.name, socket === undefined ? "" : hostPort(socket.address, socket.port), listener.attachedRoutes, programmed?.status === "True" ? "programmed" : `not programmed: ${programmed?.message ?? "unknown"}`]);
    }
  }
  return table(["Gateway", "listener", "socket", "routes", "state"], rows, "no Gateway of Courier's");
}

function routesSection(plan: Plan | undefined): string {
  const rows: (string | number)[][] = [];
  for (const port of plan?.ports ?? []) {
    for (const { hostname, route } of port.hosts) {
      const backends = route.backends.map((b) => `${b.name} (weight ${b.weight}${b.endpoints === undefined ? `, invalid: ${b.invalidReason ?? "unknown"}` : ""})`).join("; ");
      const check = route.settings.healthCheck;
      const settings = [route.settings.fallback ? "fallback" : "", check === undefined ? "" : `${check.kind} health checks every ${formatDuration(check.intervalMs)}`];
      rows.push([hostPort(port.address, port.port), hostname, route.id, backends || "none", settings.filter((s) => s !== "").join("; ")]);
    }
  }
  return table(["socket", "hostname", "TLSRoute", "backends", ""], rows, "no route is served");
}

const CHECK_TEXT = { off: "off", passing: "passing", failing: "failing: out of the choice" } as const;

function backendsSection(backends: readonly BackendHealth[]): string {
  const rows: (string | number)[][] = [];
  for (const backend of backends) {
    if (backend.invalidReason !== undefined) rows.push([backend.backend, "", `invalid: ${backend.invalidReason}`, "", ""]);
    else if (backend.endpoints.length === 0) rows.push([backend.backend, "", "no ready endpoint", "", ""]);
    for (const endpoint of backend.endpoints) rows.push([backend.backend, endpoint.address, endpoint.healthy ? "ready" : "ejected (refused a connection recently)", CHECK_TEXT[endpoint.check], endpoint.active]);
  }
  return table(["backend", "endpoint", "health (passive)", "health checks (active)", "open connections"], rows, "no backend");
}

function connectionsSection(status: AdminStatus): string {
  const rows = status.connections.map((c) => [c.client, c.listener, c.state, c.sni, c.route, c.backend, c.endpoint, `${(c.ageMs / 1000).toFixed(0)} s`, bytes(c.bytesUp), bytes(c.bytesDown)]);
  const shown = status.connections.length < status.openConnections ? ` (the first ${status.connections.length} of ${status.openConnections})` : "";
  return `<p>${html(status.openConnections)} open${html(shown)}</p>${table(["client", "listener", "state", "SNI", "route", "backend", "endpoint", "age", "bytes up", "bytes down"], rows, "no open connection")}`;
}

function problemsSection(status: AdminStatus): string {
  const rows: string[][] = [];
  for (const gateway of status.plan?.gateways ?? []) {
    const name = `Gateway ${gateway.key.namespace ?? ""}/${gateway.key.name}`;
    for (const c of notTrue(gateway.conditions)) rows.push(["status", name, `${c.type} ${c.status} ${c.reason}: ${c.message}`]);
    for (const listener of gateway.listeners) for (const c of notTrue(listener.conditions)) rows.push(["status", `${name} listener ${listener.name}`, `${c.type} ${c.status} ${c.reason}: ${c.message}`]);
  }
  for (const route of status.plan?.routes ?? []) {
    for (const parent of route.parents) for (const c of notTrue(parent.conditions)) rows.push(["status", `TLSRoute ${route.key.namespace ?? ""}/${route.key.name}`, `${c.type} ${c.status} ${c.reason}: ${c.message}`]);
  }
  for (const problem of [...status.problems].reverse()) {
    const fields = Object.entries(problem.fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" ");
    rows.push([`${problem.time} ${problem.level}`, problem.message, fields]);
  }
  return table(["when", "what", "detail"], rows, "none");
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.2em .6em;border-bottom:1px solid #eee;vertical-align:top;font-family:ui-monospace,monospace;font-size:13px}
th{background:#f3f3f3;font-family:system-ui,sans-serif}.empty{color:#777}
.state{display:inline-block;padding:.1em .5em;border-radius:.3em;background:#e6f4ea}.state.bad{background:#fde7e9}`;

export function renderAdminPage(status: AdminStatus): string {
  const state = status.draining ? "draining" : status.ready ? "ready" : "not ready: no configuration loaded yet";
  const leader = status.leader === undefined ? "not elected (file mode)" : status.leader ? "yes: this replica writes status" : "no: another replica writes status";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Courier ${html(status.version)}</title><style>${STYLE}</style></head>
<body>
<h1>Courier ${html(status.version)}</h1>
<p><span class="state${status.ready && !status.draining ? "" : " bad"}">${html(state)}</span>
 mode ${html(status.mode)}, controller ${html(status.controllerName)}, status writer (leader): ${html(leader)};
 configuration ${html(status.generation)}${status.loadedAt === undefined ? "" : ` applied ${html(status.loadedAt)}`}; page made ${html(status.now)}</p>
<h2>Listeners</h2>
${listenersSection(status.plan)}
<h2>Routes</h2>
${routesSection(status.plan)}
<h2>Backends and endpoint health</h2>
${backendsSection(status.backends)}
<h2>Live connections</h2>
${connectionsSection(status)}
<h2>Configuration problems and recent errors</h2>
${problemsSection(status)}
<p class="empty">Also here: <a href="/metrics">/metrics</a>, <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>.</p>
</body></html>
`;
}
