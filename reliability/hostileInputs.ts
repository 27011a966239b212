// The hostile configuration set: each case is the manifest file's new content, made
// from the good file's text. `expect` is what Courier must do with it:
//   "error":   log an error and keep the last good configuration;
//   "held":    hold the change back (reload guard) until a second read confirms it;
//              the suite puts the good file back before the confirmation time;
//   "ignored": not a kind Courier reads: left out, the rest loads as before.
import { stringify } from "yaml";
import { gatewayManifest, routeManifest } from "../test/helpers/manifests.ts";

export interface HostileCase {
  readonly name: string;
  readonly expect: "error" | "held" | "ignored";
  content(good: string): string | Uint8Array;
}

const MIB = 1024 * 1024;
/** A line that would pass for a Courier record if a name reached the log raw. */
export const FORGED_LINE = "2026-01-01T00:00:00.000Z ERROR  forged record";

const route = (name: string, hostnames: readonly string[]): string => stringify(routeManifest({ name, hostnames, backends: [{ name: "echo", port: 443 }] }));
const plus = (good: string, doc: string): string => `${good}---\n${doc}`;

function aliasBomb(): string {
  const lines = [`a0: &a0 [${Array(10).fill('"lol"').join(",")}]`];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(",")}]`);
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata:\n  name: bomb\n  namespace: default\n  annotations:\n${lines.map((l) => `    ${l}`).join("\n")}\n`;
}

export const HOSTILE_CASES: readonly HostileCase[] = [
  { name: "empty file", expect: "held", content: () => "" },
  { name: "truncated file (first half)", expect: "error", content: (good) => good.slice(0, Math.floor(good.length / 2)) },
  { name: "50 MB manifest (over the size limits)", expect: "error", content: (good) => `${good}# ${"x".repeat(50 * MIB)}\n` },
  { name: "YAML alias bomb (10^9 expansions)", expect: "error", content: (good) => plus(good, aliasBomb()) },
  { name: "TLSRoute with 10,000 hostnames", expect: "error", content: (good) => plus(good, route("wide", Array.from({ length: 10_000 }, (_, i) => `h${i}.wide.example.com`))) },
  {
    name: "Gateway with 65 listeners",
    expect: "error",
    content: (good) => plus(good, stringify(gatewayManifest("gw65", Array.from({ length: 65 }, (_, i) => ({ name: `l${i}`, port: 10_000 + i }))))),
  },
  { name: "name with a newline and a forged record", expect: "error", content: (good) => plus(good, route(`bad\n${FORGED_LINE}`, ["nl.example.com"])) },
  { name: "name with a NUL", expect: "error", content: (good) => plus(good, route("bad\u0000nul", ["nul.example.com"])) },
  {
    name: "invalid UTF-8 in a name",
    expect: "error",
    content: (good) => {
      const [before, after] = plus(good, route("PLACEHOLDER", ["utf.example.com"])).split("PLACEHOLDER");
      return Buffer.concat([Buffer.from(`${before}bad-`), Buffer.from([0xff, 0xfe]), Buffer.from(after ?? "")]);
    },
  },
  { name: "non-Gateway-API kind (a Deployment)", expect: "ignored", content: (good) => plus(good, stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 1 } })) },
  {
    name: "Gateway with a duplicate listener",
    expect: "error",
    content: (good) => plus(good, stringify(gatewayManifest("dup", [{ name: "tls", port: 443 }, { name: "tls", port: 443 }]))),
  },
];
