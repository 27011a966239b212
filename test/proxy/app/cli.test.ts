import { describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../../proxy/app/cli.ts";
import { parseDuration } from "../../../proxy/lib/duration.ts";
import { DEFAULT_LIMITS } from "../../../proxy/lib/limits.ts";

describe("courier serve arguments", () => {
  test("defaults: file mode on dist/, admin on loopback, documented limits", () => {
    const parsed = parseServeArgs([]);
    if (!("options" in parsed)) throw new Error(parsed.error);
    expect(parsed.options.manifests).toBe("dist");
    expect(parsed.options.admin).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(parsed.options.limits).toEqual(DEFAULT_LIMITS);
  });

  test("flags in both --flag value and --flag=value forms", () => {
    const parsed = parseServeArgs(["--manifests", "m", "--endpoints=e.yaml", "--port-offset", "8000", "--idle-timeout", "2h", "--max-hello-bytes=65536", "--admin", "off"]);
    if (!("options" in parsed)) throw new Error(parsed.error);
    expect(parsed.options).toMatchObject({ manifests: "m", endpoints: "e.yaml", portOffset: 8000, admin: undefined });
    expect(parsed.options.limits.idleTimeoutMs).toBe(7_200_000);
    expect(parsed.options.limits.maxHelloBytes).toBe(65536);
  });

  test("bad values get a message naming the flag", () => {
    expect(parseServeArgs(["--max-hello-bytes", "100000"])).toEqual({ error: '--max-hello-bytes must be an integer 512..65536, not "100000"' });
    expect(parseServeArgs(["--hello-timeout", "soon"])).toEqual({ error: '--hello-timeout must be a duration such as 500ms, 10s, 5m or 1h, not "soon"' });
    expect(parseServeArgs(["--bogus", "1"])).toEqual({ error: "unknown option --bogus" });
    expect(parseServeArgs(["--manifests"])).toEqual({ error: "--manifests needs a value" });
  });

  test("durations as Kubernetes users write them", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("10")).toBeUndefined();
    expect(parseDuration("-1s")).toBeUndefined();
  });
});
