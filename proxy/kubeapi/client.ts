// A small Kubernetes API client on Bun's fetch. Every request takes its headers, TLS
// material and proxy from the credentials (client-node's KubeConfig, see
// credentials.ts) at the time it is sent, so exec-plugin tokens and rotated
// certificates are used as soon as they change.
import type { KubeCredentials, RequestAuth } from "./credentials.ts";

/** Longest wait for one non-watch request (lists of thousands of objects take well under this). */
export const REQUEST_TIMEOUT_MS = 30_000;

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: Record<string, unknown>;
}

export class KubeClient {
  constructor(readonly credentials: KubeCredentials) {}

  private init(auth: RequestAuth, method: string, body: unknown, contentType: string | undefined, signal: AbortSignal | undefined): BunFetchRequestInit {
    const headers: Record<string, string> = { ...auth.headers, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = contentType ?? "application/json";
    return {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      tls: auth.tls,
      proxy: auth.proxy,
    };
  }

  /** Sends one request with credentials computed now; a 401 tells the credentials theirs went stale. */
  private async send(method: string, path: string, body: unknown, contentType: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const auth = await untilAborted(this.credentials.forRequest(), signal);
    const response = await fetch(auth.server + path, this.init(auth, method, body, contentType, signal));
    if (response.status === 401) this.credentials.rejected();
    return response;
  }

  /**
   * Sends a request and returns the decoded JSON body; a non-2xx answer throws KubeApiError.
   * Every request ends within REQUEST_TIMEOUT_MS (or sooner by `signal`): a connection
   * that went silent would otherwise hold its caller forever — a leader stuck in a
   * renewal never finds out that it lost the Lease.
   */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, contentType?: string, signal?: AbortSignal): Promise<T> {
    const deadline = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const response = await this.send(method, path, body, contentType, signal === undefined ? deadline : AbortSignal.any([signal, deadline]));
    const text = await response.text();
    if (!response.ok) throw toError(response.status, text, `${method} ${path}`);
    return (text === "" ? {} : JSON.parse(text)) as T;
  }

  /** Streams watch events until the server ends the watch or `signal` aborts. */
  async *watch(path: string, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const response = await this.send("GET", path, undefined, undefined, signal);
    if (!response.ok || response.body === null) throw toError(response.status, await response.text(), `watch ${path}`);
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") yield JSON.parse(line) as WatchEvent;
        newline = buffered.indexOf("\n");
      }
    }
  }
}

/** An exec plugin that hangs must not hold a request past its deadline. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function toError(status: number, text: string, what: string): KubeApiError {
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeApiError(status, s.reason ?? "", `${what}: ${status} ${s.message ?? text}`);
  } catch {
    return new KubeApiError(status, "", `${what}: ${status} ${text.slice(0, 200)}`);
  }
}
