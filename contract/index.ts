// The contract between the construct library (src/) and the proxy (proxy/): what one
// writes and the other reads. Dependency-free on purpose: the proxy never imports cdk8s.
export * from "./durations.js";
export * from "./healthChecks.js";
export * from "./hostnameMatching.js";
export * from "./hostnames.js";
export * from "./limits.js";
export * from "./metrics.js";
export * from "./names.js";
