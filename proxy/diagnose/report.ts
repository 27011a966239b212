// The text `courier check` and `courier explain` print: one finding per line (a fix
// indented below it), raw strings; the CLI passes every line through printable().
import { hostPort } from "../lib/hostPort.ts";
import type { ConfigProblem } from "./configCheck.ts";
import type { Explanation } from "./explain.ts";

export function formatProblem(problem: ConfigProblem): string[] {
  const where = problem.source === undefined ? "" : ` (${problem.source})`;
  const field = problem.field === "" ? "" : `${problem.field}: `;
  const lines = [`${problem.severity === "error" ? "ERROR" : "WARN "} ${problem.object}${where}: ${field}${problem.message}`];
  if (problem.fix !== "") lines.push(`      fix: ${problem.fix}`);
  return lines;
}

export function formatExplanation(explanation: Explanation): string[] {
  const lines = [`SNI ${explanation.sni}${explanation.port === undefined ? "" : ` on port ${explanation.port}`}`];
  if (explanation.sockets.length === 0) lines.push("", "no listener of Courier's serves this port: the connection is not even accepted");
  for (const socket of explanation.sockets) {
    // Many Gateways usually share one socket: name them only when few.
    const gateways = new Set(socket.listeners.map((l) => l.gateway));
    const listeners = socket.listeners.length <= 2 ? socket.listeners.map((l) => `Gateway ${l.gateway} listener ${l.listener}`).join(", ") : `${socket.listeners.length} listeners of ${gateways.size} Gateways`;
    lines.push("", `socket ${hostPort(socket.address, socket.port)} (${listeners || "no listener"})`);
    if (socket.route === undefined) {
      lines.push(`  refused: ${socket.refused ?? "no route"}`);
    } else {
      const through = socket.candidates.find((c) => c.lostBecause === undefined)?.listener;
      lines.push(`  route TLSRoute ${socket.route}${socket.hostname === undefined ? "" : ` via hostname ${socket.hostname}`}${through === undefined ? "" : ` (Gateway ${through.gateway} listener ${through.listener})`}`);
      for (const backend of socket.backends) {
        const endpoints = backend.endpoints.length === 0 ? "" : ` -> ${backend.endpoints.join(", ")}`;
        lines.push(`    backend ${backend.name} weight ${backend.weight}: ${backend.verdict}${endpoints}`);
      }
      if (socket.refused !== undefined) lines.push(`  refused: ${socket.refused}`);
    }
    const losers = socket.candidates.filter((c) => c.lostBecause !== undefined);
    if (losers.length > 0) lines.push("  lost on this socket:");
    for (const loser of losers) lines.push(`    TLSRoute ${loser.route} (hostname ${loser.hostname}, listener ${loser.listener.listener}): ${loser.lostBecause}`);
  }
  if (explanation.routeMisses.length > 0) lines.push("", "routes whose hostnames cover the SNI but that do not serve it here:");
  for (const miss of explanation.routeMisses) lines.push(`  TLSRoute ${miss.route} -> ${miss.parent}: ${miss.reason}: ${miss.message}`);
  if (explanation.listenerMisses.length > 0) lines.push("", "listeners on this port that are not served:");
  for (const miss of explanation.listenerMisses) lines.push(`  Gateway ${miss.listener.gateway} listener ${miss.listener.listener} (port ${miss.port}): ${miss.message}`);
  const routedOn = explanation.sockets.filter((s) => s.route !== undefined && s.refused === undefined);
  lines.push(
    "",
    routedOn.length > 0
      ? `result: forwarded by TLSRoute ${[...new Set(routedOn.map((s) => s.route))].join(", ")} on ${routedOn.map((s) => hostPort(s.address, s.port)).join(", ")}`
      : "result: refused (the client sees the connection closed, no TLS alert)",
  );
  return lines;
}
