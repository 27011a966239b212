// The admin page's HTML from a status value: everything from outside is escaped by
// printable() and HTML entities, so object names, SNIs and error messages cannot add
// markup or break a line; the page has no script.
import { expect, test } from "bun:test";
import { html, renderAdminPage, type AdminStatus } from "../../../proxy/app/adminPage.ts";
import type { Plan } from "../../../proxy/model/plan.ts";

const HOSTILE = 'x\n<script>alert(1)</script>"\u0000\u202e';

const plan: Plan = {
  ports: [{ address: "0.0.0.0", port: 443, listeners: [{ gateway: "default/gw", listener: "tls" }], hosts: [{ hostname: "a.example.com", route: { id: `default/${HOSTILE}`, settings: { fallback: true, healthCheck: { kind: "tls", intervalMs: 5_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 } }, backends: [{ name: "Service default/a:443", weight: 1, endpoints: [{ host: "10.0.0.1", port: 8443 }] }] } }] }],
  gatewayClasses: [],
  gateways: [{ key: { namespace: "default", name: "gw" }, addresses: [], conditions: [], listeners: [{ name: "tls", supportedKinds: [], attachedRoutes: 1, conditions: [{ type: "Programmed", status: "True", reason: "Programmed", message: "", observedGeneration: 1 }] }] }],
  routes: [],
  warnings: [],
};

const status: AdminStatus = {
  version: "0.1.0",
  mode: "files",
  controllerName: "courier.dev/gateway-controller",
  ready: true,
  draining: false,
  leader: undefined,
  generation: 3,
  loadedAt: "2026-01-01T00:00:00.000Z",
  plan,
  backends: [{ backend: "Service default/a:443", endpoints: [{ address: "10.0.0.1:8443", healthy: false, check: "failing", active: 2 }, { address: "10.0.0.2:8443", healthy: true, check: "off", active: 0 }] }],
  connections: [{ client: "192.0.2.1:5555", listener: "0.0.0.0:443", state: "piping", sni: "a.example.com", route: `default/${HOSTILE}`, backend: "Service default/a:443", endpoint: "10.0.0.1:8443", ageMs: 12_000, bytesUp: 2048, bytesDown: 3 * 1024 * 1024 }],
  openConnections: 1,
  problems: [{ time: "2026-01-01T00:00:00.000Z", level: "error", message: `configuration error ${HOSTILE}`, fields: { error: HOSTILE } }],
  now: "2026-01-01T00:00:01.000Z",
};

test("html(): printable first, then entities", () => {
  expect(html(HOSTILE)).toBe("x\\n&#60;script&#62;alert(1)&#60;/script&#62;&#34;\\x00\\u202e");
});

test("the page: every section, the hostile name only as text, no script", () => {
  const page = renderAdminPage(status);
  for (const heading of ["Listeners", "Routes", "Backends and endpoint health", "Live connections", "Configuration problems and recent errors"]) expect(page).toContain(`<h2>${heading}</h2>`);
  expect(page).not.toContain("<script");
  expect(page).not.toContain("\u0000");
  expect(page).not.toContain("\u202e");
  expect(page).toContain("default/x\\n&#60;script&#62;alert(1)&#60;/script&#62;");
  expect(page).toContain("<td>10.0.0.1:8443</td><td>ejected (refused a connection recently)</td><td>failing: out of the choice</td>");
  expect(page).toContain("<td>10.0.0.2:8443</td><td>ready</td><td>off</td>");
  expect(page).toContain("<td>fallback; tls health checks every 5s</td>");
  expect(page).toContain("<td>3.0 MiB</td>");
  expect(page).toContain("not elected (file mode)");
});

test("draining and not ready are shown as such", () => {
  expect(renderAdminPage({ ...status, draining: true })).toContain('<span class="state bad">draining</span>');
  expect(renderAdminPage({ ...status, ready: false, plan: undefined })).toContain("not ready: no configuration loaded yet");
});
