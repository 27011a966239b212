import { describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../../proxy/app/cli.ts";
import { DEFAULT_LIMITS } from "../../../contract/index.ts";

describe("courier serve arguments", () => {
  test("defaults: file mode on dist/, admin on loopback, documented limits", () => {
    const parsed = parseServeArgs([]);
    if (!("options" in parsed)) throw new Error(parsed.error);
    expect(parsed.options.manifests).toBe("dist");
    expect(parsed.options.admin).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(parsed.options.limits).toEqual(DEFAULT_LIMITS);
  });

  test("file mode's size limits and reload confirmation: 8 MiB per file, 32 MiB per directory, 1s by default", () => {
    const defaults = parseServeArgs([]);
    if (!("options" in defaults)) throw new Error(defaults.error);
    expect(defaults.options.sizeLimits).toEqual({ maxFileBytes: 8 * 1024 * 1024, maxDirBytes: 32 * 1024 * 1024 });
    expect(defaults.options.confirmMs).toBe(1_000);
    const given = parseServeArgs(["--max-file-bytes", "1000", "--max-dir-bytes=5000", "--reload-confirm", "5s"]);
    if (!("options" in given)) throw new Error(given.error);
    expect(given.options.sizeLimits).toEqual({ maxFileBytes: 1000, maxDirBytes: 5000 });
    expect(given.options.confirmMs).toBe(5_000);
    const bad = parseServeArgs(["--max-file-bytes", "0"]);
    expect("error" in bad && bad.error).toContain("--max-file-bytes must be an integer");
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
    expect(parseServeArgs(["--hello-timeout", "soon"])).toEqual({ error: '--hello-timeout: "soon" is not a Go duration; write it like "90s", "30m" or "2h" (units ns, us, ms, s, m, h)' });
    expect(parseServeArgs(["--bogus", "1"])).toEqual({ error: "unknown option --bogus" });
    expect(parseServeArgs(["--manifests"])).toEqual({ error: "--manifests needs a value" });
  });

  test("durations as Kubernetes users write them (the contract's grammar, see test/contract/)", () => {
    const idle = (text: string) => {
      const parsed = parseServeArgs(["--idle-timeout", text]);
      return "options" in parsed ? parsed.options.limits.idleTimeoutMs : undefined;
    };
    expect(idle("500ms")).toBe(500);
    expect(idle("1h30m")).toBe(5_400_000);
    expect(idle("0")).toBe(0);
    expect(idle("1.5s")).toBe(1500);
    expect(idle("10")).toBeUndefined();
    expect(idle("-1s")).toBeUndefined();
    expect(idle("500us")).toBeUndefined();
  });

  test("0 means off, so the setup timeouts refuse it", () => {
    expect(parseServeArgs(["--hello-timeout", "0"])).toEqual({ error: "--hello-timeout cannot be 0 (off): give a positive duration" });
    expect(parseServeArgs(["--connect-timeout", "0s"])).toEqual({ error: "--connect-timeout cannot be 0 (off): give a positive duration" });
    const off = parseServeArgs(["--keepalive", "0", "--drain-timeout", "0"]);
    if (!("options" in off)) throw new Error(off.error);
    expect(off.options.limits).toMatchObject({ keepAliveMs: 0, drainTimeoutMs: 0 });
  });
});

describe("courier serve: admin, probes and logs", () => {
  test("the admin endpoint is on loopback in every mode; the probe port listens on every address in a pod only", () => {
    const pod = parseServeArgs([], { KUBERNETES_SERVICE_HOST: "10.96.0.1" });
    if (!("options" in pod)) throw new Error(pod.error);
    expect(pod.options.admin).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(pod.options.probe).toEqual({ host: "0.0.0.0", port: 9091 });
    // The flag as given: mode.ts finds the pod's service account (test/proxy/app/mode.test.ts).
    expect(pod.options.kubeconfig).toBeUndefined();
    const laptop = parseServeArgs([]);
    if (!("options" in laptop)) throw new Error(laptop.error);
    expect(laptop.options.probe).toBeUndefined();
    expect(laptop.options.logFormat).toBe("text");
  });

  test("addresses, IPv6 in brackets, off, and the options that go with them", () => {
    const parsed = parseServeArgs(["--admin", "[::1]:9999", "--probe-address", "off", "--admin-token-file", "t", "--log-format", "json", "--access-log-rate", "0"], { KUBERNETES_SERVICE_HOST: "x" });
    if (!("options" in parsed)) throw new Error(parsed.error);
    expect(parsed.options).toMatchObject({ admin: { host: "::1", port: 9999 }, probe: undefined, adminTokenFile: "t", logFormat: "json", accessLogRate: 0 });
    expect(parseServeArgs(["--log-format", "xml"])).toEqual({ error: "--log-format must be one of text, json" });
    expect(parseServeArgs(["--admin", "9090"])).toEqual({ error: '--admin must be ADDR:PORT or off, not "9090"' });
    expect(parseServeArgs(["--admin", "0.0.0.0:9091", "--probe-address", "127.0.0.1:9091"])).toEqual({ error: "--admin and --probe-address cannot share port 9091" });
  });

  test("a value that starts with a dash is written --flag=VALUE", () => {
    expect(parseServeArgs(["--port-offset", "-100"])).toEqual({ error: '--port-offset needs a value (write --port-offset=VALUE for one starting with "-")' });
    const parsed = parseServeArgs(["--port-offset=-100"]);
    expect("options" in parsed && parsed.options.portOffset).toBe(-100);
  });
});
