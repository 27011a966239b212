// Public API of Courier's construct library.
export * from "./constants.js";
export * from "./allowedRoutes.js";
export * from "./backend.js";
export * from "./backendReferenceGrant.js";
export * from "./courierMonitoring.js";
export * from "./courierProxy.js";
export * from "./healthCheck.js";
export * from "./passthroughGateway.js";
export * from "./passthroughGatewayClass.js";
export * from "./passthroughRoute.js";
export * from "./passthroughRouteSet.js";
export * from "./routeOptions.js";
export type { DurationInput } from "./validation/durations.js";
