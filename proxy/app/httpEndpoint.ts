// A small HTTP endpoint for the admin page and the probes: GET and HEAD only (405
// otherwise), no request body beyond a few bytes (Bun refuses more before reading
// it), an optional bearer token, and nothing a browser could run (no scripts,
// nosniff). A port that cannot be bound is one line of error, not a stack trace.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "bun";
import type { HostPort } from "./cli.ts";

/** A GET (or HEAD) request has no body; this leaves room for nothing else. */
export const MAX_REQUEST_BODY_BYTES = 1024;
/** The token file is read again after this long, so a rotated token takes effect. */
const TOKEN_REREAD_MS = 10_000;

export type Route = () => Response | Promise<Response>;

export interface EndpointOptions {
  /** What the endpoint is, for the error when its port cannot be bound. */
  readonly name: string;
  readonly address: HostPort;
  readonly routes: Readonly<Record<string, Route>>;
  /** A file with the bearer token every request must carry. */
  readonly tokenFile?: string;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
  "cache-control": "no-store",
} as const;

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", ...headers } });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The bearer token check: compares digests, so neither the time taken nor a length differs by how close a guess is. */
function tokenCheck(file: string): (request: Request) => boolean {
  let token = digest(readFileSync(file, "utf8").trim());
  let readAt = Date.now();
  return (request) => {
    if (Date.now() - readAt > TOKEN_REREAD_MS) {
      try {
        token = digest(readFileSync(file, "utf8").trim());
      } catch {
        // Unreadable for a moment (being replaced): keep the token read before.
      }
      readAt = Date.now();
    }
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), token);
  };
}

export function withSecurityHeaders(response: Response): Response {
  for (const [key, value] of Object.entries(SECURITY_HEADERS)) if (!response.headers.has(key)) response.headers.set(key, value);
  return response;
}

/** Starts the endpoint; throws an Error with a one-line message when it cannot listen. */
export function startEndpoint(options: EndpointOptions): Server<undefined> {
  const authorized = options.tokenFile === undefined ? () => true : tokenCheck(options.tokenFile);
  try {
    return Bun.serve({
      hostname: options.address.host,
      port: options.address.port,
      maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
      async fetch(request) {
        if (request.method !== "GET" && request.method !== "HEAD") return text(405, "method not allowed: GET or HEAD only\n", { allow: "GET, HEAD" });
        // Bun enforces maxRequestBodySize on bodies it reads; a GET's body is never read, so refuse it outright.
        if (Number(request.headers.get("content-length") ?? 0) > 0 || request.headers.has("transfer-encoding")) return text(413, "a GET or HEAD request carries no body\n");
        if (!authorized(request)) return text(401, "a bearer token is required\n", { "www-authenticate": 'Bearer realm="courier"' });
        const route = options.routes[new URL(request.url).pathname];
        if (route === undefined) return text(404, "not found\n");
        const response = withSecurityHeaders(await route());
        // HEAD: the same status and headers, no body.
        return request.method === "HEAD" ? new Response(null, { status: response.status, headers: response.headers }) : response;
      },
      error() {
        return text(500, "internal error\n");
      },
    });
  } catch (error) {
    throw new Error(`cannot listen on ${options.address.host}:${options.address.port} for the ${options.name}: ${((error as Error).message ?? String(error)).split("\n")[0]}`);
  }
}
