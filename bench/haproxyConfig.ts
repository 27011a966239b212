// HAProxy 2.6 configuration for the benchmark: TCP mode, SNI routing with
// req.ssl_sni after inspecting the ClientHello, one thread. "Tuned" only raises the
// buffer size; everything else stays at its default.
import { BACKEND_KINDS, sniFor, type BackendPorts } from "./routes.ts";

/** Frontend connections; HAProxy needs two descriptors each, under the 20,000 limit. */
export const HAPROXY_MAXCONN = 9_950;

export function haproxyConfig(port: number, backends: BackendPorts, tuned: boolean): string {
  const lines = [
    "global",
    "  nbthread 1",
    `  maxconn ${HAPROXY_MAXCONN}`,
    ...(tuned ? ["  tune.bufsize 524288"] : []),
    "",
    "defaults",
    "  mode tcp",
    "  timeout connect 5s",
    "  timeout client 1h",
    "  timeout server 1h",
    "",
    "frontend tls_in",
    `  bind 127.0.0.1:${port}`,
    "  tcp-request inspect-delay 10s",
    "  tcp-request content accept if { req.ssl_hello_type 1 }",
    ...BACKEND_KINDS.map((kind) => `  use_backend ${kind} if { req.ssl_sni -i ${sniFor(kind)} }`),
    "",
  ];
  for (const kind of BACKEND_KINDS) lines.push(`backend ${kind}`, `  server ${kind}1 127.0.0.1:${backends[kind]}`, "");
  return lines.join("\n");
}
