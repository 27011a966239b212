// The proxy's version: proxy/package.json's, which the image carries with proxy/.
import { readFileSync } from "node:fs";

function readVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const version = typeof manifest === "object" && manifest !== null ? (manifest as { version?: unknown }).version : undefined;
  return typeof version === "string" ? version : "unknown";
}

export const COURIER_VERSION: string = readVersion();
