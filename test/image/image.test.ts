// The proxy image as users get it: `npm run image` builds the OCI archive offline, the
// archive is opened the way a runtime opens it (index -> manifest -> config -> layer,
// digests checked, unpacked by GNU tar), and runc runs it with the pod's restrictions:
// uid 65532, read-only root, no capabilities, no new privileges. The Deployment's own
// command then serves file mode and routes a real TLS connection to a real backend.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { createPki } from "../../demo/pki.ts";
import { startTlsBackend } from "../../demo/tlsBackend.ts";
import type { ImageSummary } from "../../scripts/image/build.ts";
import { DEFAULT_COURIER_IMAGE } from "../../src/constants.ts";
import { buildCourierImage } from "../helpers/courierImage.ts";
import { COURIER_CLASS, gatewayManifest, routeManifest, writeScenario } from "../helpers/manifests.ts";
import { unpackOciArchive, type UnpackedImage } from "../helpers/ociImage.ts";
import { freePort } from "../helpers/ports.ts";
import { runContainer, startContainer } from "../helpers/runcContainer.ts";
import { numericUser, runtimeSpec } from "../helpers/runcSpec.ts";
import { openTls } from "../helpers/tlsClient.ts";
import { parseDockerfile } from "./dockerfile.ts";

const root = resolve(import.meta.dir, "../..");
let work: string;
let summary: ImageSummary;
let buildOutput: string;
let image: UnpackedImage;

/** The proxy container of the Deployment in dist/courier-proxy.k8s.yaml. */
function deploymentContainer(): { command: string[]; runAsUser: number; runAsGroup: number } {
  const docs = parseAllDocuments(readFileSync(join(root, "dist/courier-proxy.k8s.yaml"), "utf8")).map((d) => d.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Array<{ command?: string[]; securityContext?: { runAsUser?: number; runAsGroup?: number } }> } } } });
  const container = docs.find((d) => d.kind === "Deployment")?.spec?.template?.spec?.containers?.[0];
  if (container?.command === undefined) throw new Error("no Deployment container command in dist/courier-proxy.k8s.yaml");
  return { command: container.command, runAsUser: container.securityContext?.runAsUser ?? -1, runAsGroup: container.securityContext?.runAsGroup ?? -1 };
}

/** The memory limit the runtime put on a process's cgroup (v1 memory controller or v2). */
function memoryLimit(pid: number): number {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = lines.find((l) => /^\d+:memory:/.test(l));
  const file = v1 !== undefined ? `/sys/fs/cgroup/memory${v1.split(":")[2]}/memory.limit_in_bytes` : `/sys/fs/cgroup${lines.find((l) => l.startsWith("0::"))!.slice(3)}/memory.max`;
  return Number(readFileSync(file, "utf8").trim());
}

beforeAll(() => {
  const ensure = spawnSync("sh", ["scripts/ensure.sh", "runc"], { cwd: root, encoding: "utf8" });
  if (ensure.status !== 0) throw new Error(`scripts/ensure.sh runc: ${ensure.stderr}`);
  ({ summary, output: buildOutput } = buildCourierImage());
  work = mkdtempSync(join(tmpdir(), "courier-image-"));
  image = unpackOciArchive(join(root, ".cache/image/courier.oci.tar"), join(work, "image"), DEFAULT_COURIER_IMAGE);
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("the OCI archive", () => {
  test("names the image CourierProxy deploys; the printed digest and sizes are the archive's", () => {
    console.log(buildOutput);
    expect(image.index.manifests).toHaveLength(1);
    expect(image.manifestDescriptor.annotations?.["org.opencontainers.image.ref.name"]).toBe(DEFAULT_COURIER_IMAGE);
    expect(image.manifestDescriptor.digest).toBe(summary.manifestDigest);
    expect(buildOutput).toContain(DEFAULT_COURIER_IMAGE);
    expect(buildOutput).toContain(summary.manifestDigest);
    expect(buildOutput).toMatch(/^uncompressed\s+\d+\.\d MB/m);
    expect(buildOutput).toMatch(/^compressed\s+\d+\.\d MB/m);
    expect(image.manifest.layers.map((l) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip"]);
    expect(image.manifest.layers[0]!.size).toBeLessThan(summary.uncompressedBytes);
    expect(image.config.os).toBe("linux");
  });

  test("runs as the Deployment's non-root user, and the Deployment's command exists on the image's PATH", () => {
    const pod = deploymentContainer();
    const { uid, gid } = numericUser(image.config.config.User);
    expect([uid, gid]).toEqual([65532, 65532]);
    expect([pod.runAsUser, pod.runAsGroup]).toEqual([uid, gid]);
    // Kubernetes' `command` replaces the Entrypoint; the runtime looks it up on the image's PATH.
    const path = (image.config.config.Env ?? []).find((e) => e.startsWith("PATH="))!.slice(5).split(":");
    const found = path.map((dir) => join(image.rootfs, dir, pod.command[0]!)).find((p) => existsSync(p));
    expect(found).toBeDefined();
    expect(statSync(found!).mode & 0o111).not.toBe(0);
    expect(image.config.config.Entrypoint).toEqual(["/usr/local/bin/courier"]);
    expect(image.config.config.Cmd).toEqual(["serve"]);
    expect(pod.command.slice(0, 2)).toEqual(["courier", "serve"]);
  });

  test("holds Bun, the C library, proxy/ and only the proxy's runtime packages, all owned by root, no shell", () => {
    const listing = image.layerListings.join("").trim().split("\n");
    expect(listing.length).toBeGreaterThan(10);
    for (const line of listing) expect(line).toMatch(/^\S+ 0\/0 +\d+ 1970-01-01 00:00 /);
    expect(existsSync(join(image.rootfs, "bin/sh"))).toBe(false);
    expect(existsSync(join(image.rootfs, "usr/local/bin/bun"))).toBe(true);
    expect(existsSync(join(image.rootfs, "app/proxy/bin/courier.ts"))).toBe(true);
    expect(existsSync(join(image.rootfs, "app/contract"))).toBe(existsSync(join(root, "contract")));
    expect(existsSync(join(image.rootfs, "etc/ssl/certs/ca-certificates.crt"))).toBe(true);
    expect(readFileSync(join(image.rootfs, "etc/passwd"), "utf8")).toContain(":65532:65532:");
    // A scoped package (@opentelemetry/api) is a directory inside its scope's.
    const modules = join(image.rootfs, "app/node_modules");
    const installed = readdirSync(modules).flatMap((name) => (name.startsWith("@") ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name]));
    expect(installed.sort()).toEqual(summary.packages.map((p) => p.slice(0, p.lastIndexOf("@"))).sort());
    expect(summary.packages.some((p) => p.startsWith("yaml@"))).toBe(true);
    expect(summary.packages.some((p) => /^(cdk8s|constructs|typescript|@types)/.test(p))).toBe(false);
  });

  test("the Dockerfile builds the same image from the same root filesystem", () => {
    const docker = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8"));
    const c = image.config.config;
    expect(docker.from).toBe("scratch");
    expect(docker.copies).toEqual([["rootfs/", "/"]]);
    expect(docker.user).toBe(c.User);
    expect(docker.workdir).toBe(c.WorkingDir);
    expect(docker.env).toEqual([...(c.Env ?? [])]);
    expect(docker.entrypoint).toEqual([...(c.Entrypoint ?? [])]);
    expect(docker.cmd).toEqual([...(c.Cmd ?? [])]);
    expect(docker.labels).toEqual({ ...c.Labels });
    expect(docker.expose.sort()).toEqual(Object.keys(c.ExposedPorts ?? {}).sort());
  });

  test("is reproducible: a fresh build elsewhere gives the same bytes and digest", () => {
    const again = buildCourierImage(["--force", "--out", join(work, "again")]);
    if (again.summary.manifestDigest !== summary.manifestDigest) {
      // Name the files that differ: on a shared checkout, a source edited between the two builds.
      const diff = spawnSync("diff", ["-rq", join(root, ".cache/image/rootfs"), join(work, "again/rootfs")], { encoding: "utf8" });
      throw new Error(`digests differ (${summary.manifestDigest} then ${again.summary.manifestDigest}); root filesystems differ in:\n${diff.stdout || "(no file: same files, different archive bytes)"}`);
    }
    const a = readFileSync(join(root, ".cache/image/courier.oci.tar"));
    const b = readFileSync(join(work, "again/courier.oci.tar"));
    expect(Buffer.compare(a, b)).toBe(0);
  }, 120_000);
});

describe("under runc, restricted like the pod", () => {
  test("`courier --help` runs; the process is uid/gid 65532 with no capabilities on a read-only root", async () => {
    const help = await runContainer(image.rootfs, runtimeSpec(image.config, { args: ["courier", "--help"] }));
    expect(help.output).toContain("courier serve");
    expect(help.code).toBe(0);

    const probe = [
      'const fs = require("node:fs");',
      'const status = fs.readFileSync("/proc/self/status", "utf8");',
      'const field = (name) => new RegExp(`^${name}:\\\\s*(.*)$`, "m").exec(status)[1].trim();',
      'const attempt = (path) => { try { fs.writeFileSync(path, "x"); return "written"; } catch (e) { return e.code; } };',
      'console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), capEff: field("CapEff"), capBnd: field("CapBnd"), noNewPrivs: field("NoNewPrivs"), app: attempt("/app/x"), etc: attempt("/etc/x"), tmp: attempt("/tmp/x"), shell: fs.existsSync("/bin/sh") }));',
    ].join("\n");
    const run = await runContainer(image.rootfs, runtimeSpec(image.config, { args: ["bun", "-e", probe] }));
    expect(run.code).toBe(0);
    const seen = JSON.parse(run.output.trim().split("\n").pop()!) as Record<string, unknown>;
    expect(seen).toEqual({ uid: 65532, gid: 65532, capEff: "0000000000000000", capBnd: "0000000000000000", noNewPrivs: "1", app: "EROFS", etc: "EROFS", tmp: "written", shell: false });
  }, 60_000);

  test("the Deployment's command serves file mode and routes a real TLS connection to a real backend", async () => {
    const dir = join(work, "serve");
    const pki = createPki(join(dir, "pki"));
    const backend = await startTlsBackend("secure", pki.issue("secure", ["secure.example.com"]));
    const config = join(dir, "config");
    mkdirSync(config, { recursive: true });
    const objects = [COURIER_CLASS, gatewayManifest("gw", [{ name: "tls", port: 443 }]), routeManifest({ name: "secure", hostnames: ["secure.example.com"], backends: [{ name: "secure", port: 443 }] })];
    writeScenario(config, objects, [{ name: "secure", port: 443, endpoints: [`${backend.host}:${backend.port}`] }]);
    const port = await freePort();
    const adminPort = await freePort();
    const args = [...deploymentContainer().command, "--manifests", "/config/manifests", "--endpoints", "/config/endpoints.yaml", "--port-offset", String(port - 443), "--listen-address", "127.0.0.1", "--admin", `127.0.0.1:${adminPort}`, "--drain-timeout", "2s"];
    // The host's network namespace: the backend and the client are on this machine's loopback.
    const container = startContainer(image.rootfs, runtimeSpec(image.config, { args, hostNetwork: true, readOnlyMounts: [{ host: config, container: "/config" }], memoryLimitBytes: 512 * 1024 * 1024 }));
    try {
      await container.waitForLog(/ INFO  ready/, 30_000);
      expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status).toBe(200);

      const session = await openTls(port, "secure.example.com", pki.ca);
      expect(session.peerNames).toBe("DNS:secure.example.com");
      expect(await session.firstLine).toBe("secure");
      session.socket.destroy();
      expect(backend.accepted()).toBe(1);

      const status = readFileSync(`/proc/${container.hostPid()}/status`, "utf8");
      expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
      expect(status).toMatch(/^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(memoryLimit(container.hostPid())).toBe(512 * 1024 * 1024);

      // Pod deletion: the runtime sends SIGTERM to the container's first process (PID 1 in its namespace).
      container.signal("TERM");
      expect(await Promise.race([container.exited, Bun.sleep(15_000).then(() => "still running")])).toBe(0);
    } finally {
      await container.remove();
      await backend.close();
    }
  }, 90_000);

  test("cluster mode from KUBECONFIG: client-node loads in the image, runs the exec plugin, and its token reaches the API server", async () => {
    const dir = join(work, "cluster");
    const config = join(dir, "config");
    mkdirSync(config, { recursive: true });
    const pki = createPki(join(dir, "pki"));
    // Only tls-server-name makes this certificate verify: the URL names 127.0.0.1.
    const serving = pki.issue("api", ["kube-api.image.test"]);
    const seen: string[] = [];
    // Stands in for the API server: it records who asks, and serves no Gateway API (Courier keeps retrying discovery).
    const api = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: serving.cert, key: serving.key },
      fetch(request) {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("authorization") ?? "-"}`);
        return Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }, { status: 404 });
      },
    });
    const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "from-exec-plugin" } });
    writeFileSync(join(config, "kubeconfig"), JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: `https://127.0.0.1:${api.port}`, "certificate-authority-data": Buffer.from(pki.ca).toString("base64"), "tls-server-name": "kube-api.image.test" } }],
      // The image has no shell: the plugin is Bun itself, found on the image's PATH.
      users: [{ name: "u", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "bun", args: ["-e", `console.log(${JSON.stringify(credential)})`] } } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }));
    const args = [...deploymentContainer().command, "--admin", "off"];
    const container = startContainer(image.rootfs, runtimeSpec(image.config, { args, env: ["KUBECONFIG=/config/kubeconfig"], hostNetwork: true, readOnlyMounts: [{ host: config, container: "/config" }] }));
    try {
      await container.waitForLog(/cluster mode why="KUBECONFIG=\/config\/kubeconfig"/, 30_000);
      const deadline = Date.now() + 30_000;
      while (!seen.some((line) => line.endsWith(" Bearer from-exec-plugin")) && Date.now() < deadline) await Bun.sleep(100);
      expect(seen.find((line) => line.startsWith("GET /apis/gateway.networking.k8s.io/")) ?? seen.join("\n")).toEndWith(" Bearer from-exec-plugin");
      expect(container.logs()).toContain('user \\"u\\" (exec plugin)');
    } finally {
      await container.remove();
      api.stop(true);
    }
  }, 90_000);
});
