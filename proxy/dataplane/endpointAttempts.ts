// Which endpoint one connection tries next: endpoints of the chosen backend until
// `connectTries` have failed, passing over ones that refused recently; a route that
// opted into fallback draws another backend once its weighted ones are used up.
// No sockets and no clock: the caller passes the time and the random source.
import { type BackendRejectReason, chooseBackend } from "./backendChoice.ts";
import { type EndpointState, endpointKey } from "./endpointState.ts";
import type { EndpointAddress, PlannedBackend, PlannedRoute } from "../model/plan.ts";

/** Why no further endpoint is tried: a backend-choice refusal, or every allowed try failed. */
export type AttemptRejectReason = BackendRejectReason | "connect-failed";

/** What the policy consults; a ConnectionContext has all of it. */
export interface AttemptSources {
  /** Run-time endpoint health and load, shared by every connection. */
  readonly endpoints: EndpointState;
  readonly random: () => number;
  readonly limits: { readonly connectTries: number };
}

const NOTHING_TRIED: ReadonlySet<string> = new Set();

/** The endpoints one connection has tried, and the backend it draws them from. */
export class EndpointAttempts {
  /** Where the last endpoint came from; undefined until the first one is drawn. */
  backend: PlannedBackend | undefined = undefined;
  /** Keys of failed endpoints; most connections succeed at once, so made on the first failure. */
  private tried: Set<string> | undefined = undefined;

  constructor(private readonly route: PlannedRoute) {}

  /** The endpoint to connect to next, or why the connection must be refused. */
  next(sources: AttemptSources, now: number): EndpointAddress | AttemptRejectReason {
    const route = this.route;
    const tried = this.tried ?? NOTHING_TRIED;
    const endpoints = sources.endpoints;
    if (tried.size >= sources.limits.connectTries) return "connect-failed";

    let endpoint = this.backend?.endpoints === undefined ? undefined : endpoints.pick(this.backend.endpoints, tried, now);
    // A route that opted into fallback moves on once its weighted backends all fail.
    const mayChooseAgain = this.backend === undefined || route.settings.fallback;
    if (endpoint === undefined && mayChooseAgain) {
      const draw = sources.random();
      const untried = (b: PlannedBackend): boolean => b.endpoints!.some((e) => !tried.has(endpointKey(e)));
      let choice = chooseBackend(route, draw, (b) => untried(b) && endpoints.hasHealthy(b.endpoints!, now));
      // Endpoints that failed a moment ago are still better than refusing outright.
      if (choice.kind === "reject" && choice.reason === "no-ready-endpoint") choice = chooseBackend(route, draw, untried);
      if (choice.kind === "reject") return choice.reason;
      this.backend = choice.backend;
      endpoint = endpoints.pick(choice.backend.endpoints!, tried, now);
    }
    if (endpoint === undefined) return tried.size > 0 ? "connect-failed" : "no-ready-endpoint";
    return endpoint;
  }

  /** The endpoint (by `endpointKey`) last returned by next() did not connect: it is not tried again. */
  failed(key: string): void {
    (this.tried ??= new Set()).add(key);
  }

  /** The connection is established: nothing more is tried, so the failures are dropped. */
  settled(): void {
    this.tried = undefined;
  }
}
