// nginx 1.22 configuration for the benchmark: the stream module with ssl_preread
// and a map from SNI to upstream, one worker. "Tuned" raises the proxy buffer and
// turns on half-close. worker_connections is raised in both only so that the idle
// workload's 9,900 proxied connections (two descriptors each) fit.
import { BACKEND_KINDS, sniFor, type BackendPorts } from "./routes.ts";

export function nginxConfig(port: number, backends: BackendPorts, tuned: boolean, pidFile: string): string {
  return [
    "load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
    "worker_processes 1;",
    "daemon off;",
    `pid ${pidFile};`,
    "error_log stderr warn;",
    "events { worker_connections 19990; }",
    "stream {",
    "  map $ssl_preread_server_name $upstream {",
    ...BACKEND_KINDS.map((kind) => `    ${sniFor(kind)} 127.0.0.1:${backends[kind]};`),
    // An unknown name goes to a port where nothing listens: the connection fails.
    "    default 127.0.0.1:1;",
    "  }",
    "  server {",
    `    listen 127.0.0.1:${port};`,
    "    ssl_preread on;",
    "    proxy_pass $upstream;",
    ...(tuned ? ["    proxy_buffer_size 512k;", "    proxy_half_close on;"] : []),
    "  }",
    "}",
    "",
  ].join("\n");
}
