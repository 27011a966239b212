// What each request carries, computed from client-node's KubeConfig at the time of the
// request: tokens from exec plugins (cached until their expiry, one run for concurrent
// requests, run again after a 401), token files, OIDC id-tokens, basic auth and
// impersonation headers; CA, client certificate (re-read from its file) and
// tls-server-name; the cluster's proxy-url.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsFrom, loadInCluster, loadKubeconfig } from "../../../proxy/kubeapi/credentials.ts";
import { loadKubeconfigFiles } from "../../../proxy/kubeapi/kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "courier-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function write(text: string, name = `f${++files}`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");

function kubeconfig(cluster: string, user: string): string {
  return write(`apiVersion: v1
kind: Config
current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", ${cluster}}}]
users: [{name: u, user: {${user}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`);
}

/** An exec plugin that counts its runs in `counter` and hands out token-N. */
function plugin(counter: string, expiresInSeconds: number | undefined, extra = ""): string {
  writeFileSync(counter, "");
  const expiry = expiresInSeconds === undefined ? "" : `,"expirationTimestamp":"'"$(date -u -d @$(($(date +%s) + ${expiresInSeconds})) +%Y-%m-%dT%H:%M:%SZ)"'"`;
  const script = write(`#!/bin/sh
echo run >> ${counter}
n=$(wc -l < ${counter})
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-'$n'"${expiry}${extra}}}'
`);
  chmodSync(script, 0o755);
  return script;
}

const runs = (counter: string): number => readFileSync(counter, "utf8").split("\n").filter((l) => l !== "").length;

describe("per-request credentials from client-node's KubeConfig", () => {
  test("static token, CA data, tls-server-name, insecure-skip-tls-verify and impersonation", async () => {
    const secure = await loadKubeconfig(kubeconfig(`certificate-authority-data: ${b64("CA PEM")}, tls-server-name: kubernetes`, "token: abc, as: alice")).forRequest();
    expect(secure.server).toBe("https://127.0.0.1:6443");
    expect(secure.headers).toMatchObject({ authorization: "Bearer abc", "impersonate-user": "alice" });
    expect(secure.tls).toMatchObject({ ca: "CA PEM", rejectUnauthorized: true, serverName: "kubernetes" });
    expect(secure.proxy).toBeUndefined();
    const insecure = await loadKubeconfig(kubeconfig("insecure-skip-tls-verify: true", "username: bob, password: pw")).forRequest();
    expect(insecure.tls.rejectUnauthorized).toBe(false);
    expect(insecure.headers.authorization).toBe(`Basic ${b64("bob:pw")}`);
  });

  test("proxy-url: an HTTP(S) proxy for every request (NO_PROXY or not); SOCKS is refused at load, not bypassed", async () => {
    const auth = await loadKubeconfig(kubeconfig("proxy-url: http://127.0.0.1:3128", "token: t")).forRequest();
    expect(auth.proxy).toEqual({ url: "http://127.0.0.1:3128", respectNoProxy: false });
    expect(() => loadKubeconfig(kubeconfig("proxy-url: socks5://127.0.0.1:1080", "token: t"))).toThrow("only http:// and https:// proxies");
  });

  test("a client certificate file is re-read per request: a rotated certificate is used at once", async () => {
    const cert = write("CERT ONE");
    const key = write("KEY ONE");
    const credentials = loadKubeconfig(kubeconfig("insecure-skip-tls-verify: true", `client-certificate: ${cert}, client-key: ${key}`));
    expect((await credentials.forRequest()).tls).toMatchObject({ cert: "CERT ONE", key: "KEY ONE" });
    writeFileSync(cert, "CERT TWO");
    writeFileSync(key, "KEY TWO");
    expect((await credentials.forRequest()).tls).toMatchObject({ cert: "CERT TWO", key: "KEY TWO" });
  });

  test("tokenFile (client-go's key, which client-node 1.4.0 ignores) becomes the bearer token", async () => {
    const token = write("from-file\n");
    expect((await loadKubeconfig(kubeconfig("insecure-skip-tls-verify: true", `tokenFile: ${token}`)).forRequest()).headers.authorization).toBe("Bearer from-file");
  });

  test("an OIDC auth-provider's unexpired id-token is sent as the bearer token", async () => {
    const jwt = [b64(JSON.stringify({ alg: "none" })), b64(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })), "sig"].join(".");
    const auth = await loadKubeconfig(kubeconfig("insecure-skip-tls-verify: true", `auth-provider: {name: oidc, config: {id-token: "${jwt}", client-id: courier, idp-issuer-url: "https://issuer.invalid"}}`)).forRequest();
    expect(auth.headers.authorization).toBe(`Bearer ${jwt}`);
  });

  test("an exec plugin runs once for concurrent requests, its token is cached until expirationTimestamp, then it runs again", async () => {
    const counter = join(dir, "runs-expiring");
    const credentials = loadKubeconfig(kubeconfig("insecure-skip-tls-verify: true", `exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin(counter, 2)}}`));
    const burst = await Promise.all(Array.from({ length: 8 }, () => credentials.forRequest()));
    expect(new Set(burst.map((a) => a.headers.authorization))).toEqual(new Set(["Bearer token-1"]));
    expect((await credentials.forRequest()).headers.authorization).toBe("Bearer token-1");
    expect(runs(counter)).toBe(1);
    await Bun.sleep(2_500);
    expect((await credentials.forRequest()).headers.authorization).toBe("Bearer token-2");
    expect(runs(counter)).toBe(2);
  });

  test("an exec plugin's client certificate goes into the TLS material", async () => {
    const counter = join(dir, "runs-cert");
    const auth = await loadKubeconfig(kubeconfig("insecure-skip-tls-verify: true", `exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin(counter, 600, ',"clientCertificateData":"EXEC CERT","clientKeyData":"EXEC KEY"')}}`)).forRequest();
    expect(auth.tls).toMatchObject({ cert: "EXEC CERT", key: "EXEC KEY" });
  });

  test("a 401 drops a cached exec credential (client-go's rule): the plugin runs again, at most every 5 s", async () => {
    const counter = join(dir, "runs-401");
    const path = kubeconfig("insecure-skip-tls-verify: true", `exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin(counter, 3600)}}`);
    let clock = 0;
    const credentials = credentialsFrom(() => loadKubeconfigFiles([path], undefined), () => clock);
    expect((await credentials.forRequest()).headers.authorization).toBe("Bearer token-1");
    clock = 1_000;
    credentials.rejected();
    expect((await credentials.forRequest()).headers.authorization).toBe("Bearer token-1");
    clock = 6_000;
    credentials.rejected();
    expect((await credentials.forRequest()).headers.authorization).toBe("Bearer token-2");
    expect(runs(counter)).toBe(2);
  });

  test("in-cluster: KUBERNETES_SERVICE_HOST/PORT, the service account's CA, token and namespace", async () => {
    const root = mkdtempSync(join(dir, "pod-"));
    const sa = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    Bun.spawnSync(["mkdir", "-p", sa]);
    writeFileSync(join(sa, "ca.crt"), "POD CA");
    writeFileSync(join(sa, "token"), "pod-token");
    writeFileSync(join(sa, "namespace"), "courier-system");
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "fd00::1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const credentials = loadInCluster(root);
      const auth = await credentials.forRequest();
      expect([credentials.namespace, auth.server, auth.headers.authorization, auth.tls.ca]).toEqual(["courier-system", "https://[fd00::1]:443", "Bearer pod-token", "POD CA"]);
    } finally {
      for (const [key, value] of [["KUBERNETES_SERVICE_HOST", saved.host], ["KUBERNETES_SERVICE_PORT", saved.port]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
