// The courier command line as a user meets it: --help for every command, --version,
// and one-line errors with exit code 2 instead of stack traces. The same code runs as
// a process (proxy/bin/courier.ts), checked at the end for the exit code and streams.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cliIo } from "../../../proxy/app/cliIo.ts";
import { runCli } from "../../../proxy/app/commands.ts";

const root = resolve(import.meta.dir, "../../..");
const version = (JSON.parse(await Bun.file(join(root, "proxy/package.json")).text()) as { version: string }).version;

async function run(...argv: string[]): Promise<{ code: number | "serving"; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, cliIo({}, (t) => void (out += t), (t) => void (err += t)));
  return { code, out, err };
}

describe("courier CLI", () => {
  test("--help for every command, on stdout, exit 0; help TOPIC too", async () => {
    for (const command of ["serve", "check", "explain", "version"]) {
      for (const flag of ["--help", "-h"]) {
        const result = await run(command, flag);
        expect(result).toMatchObject({ code: 0, err: "" });
        expect(result.out).toStartWith(`Usage: courier ${command}`.replace("Usage: courier serve", "Usage:\n  courier serve"));
      }
      expect((await run("help", command)).code).toBe(0);
    }
    // Even after other options, and before values that are missing.
    expect((await run("serve", "--manifests", "dist", "--help")).code).toBe(0);
    expect((await run("--help")).out).toContain("Commands:");
  });

  test("--version prints the proxy's package version", async () => {
    for (const flag of ["--version", "-v", "version"]) expect(await run(flag)).toEqual({ code: 0, out: `courier ${version}\n`, err: "" });
  });

  test("usage errors: one line naming the command and its help, exit 2", async () => {
    const cases: [string[], string][] = [
      [["serve", "--manifests"], "courier serve: --manifests needs a value (see courier serve --help)\n"],
      [["serve", "--bogus"], "courier serve: unknown option --bogus (see courier serve --help)\n"],
      [["serve", "stray"], 'courier serve: unexpected argument "stray" (see courier serve --help)\n'],
      [["serve", "--manifests", "/nonexistent/dir"], "courier serve: --manifests /nonexistent/dir: no such directory (see courier serve --help)\n"],
      [["serve", "--endpoints", "/nonexistent.yaml", "--manifests", root], "courier serve: --endpoints /nonexistent.yaml: no such file (see courier serve --help)\n"],
      [["serve", "--kubeconfig", "/nonexistent/kubeconfig"], "courier serve: --kubeconfig /nonexistent/kubeconfig: no such file (see courier serve --help)\n"],
      [["check"], "courier check: name at least one PATH (a manifest file or directory) (see courier check --help)\n"],
      [["check", "/nonexistent"], "courier check: PATH /nonexistent: no such file (see courier check --help)\n"],
      [["explain", "--manifests", root], "courier explain: --sni NAME is required (see courier explain --help)\n"],
      [["frobnicate"], 'courier: unknown command "frobnicate": one of serve, check, explain, version (see courier --help)\n'],
    ];
    for (const [argv, err] of cases) expect(await run(...argv)).toEqual({ code: 2, out: "", err });
  });

  test("a kubeconfig that is not one: one line, no stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "courier-cli-"));
    const broken = join(dir, "kubeconfig");
    writeFileSync(broken, "- just\n- a list\n");
    const result = await run("serve", "--kubeconfig", broken);
    expect(result.code).toBe(2);
    expect(result.err.trimEnd().split("\n")).toHaveLength(1);
    expect(result.err).toStartWith(`courier serve: --kubeconfig ${broken}: not usable: `);
  });

  test("as a process: the exit code and nothing but the line on stderr", () => {
    const missing = spawnSync(join(root, "node_modules/.bin/bun"), [join(root, "proxy/bin/courier.ts"), "serve", "--kubeconfig", "/nonexistent/kubeconfig"], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toBe("courier serve: --kubeconfig /nonexistent/kubeconfig: no such file (see courier serve --help)\n");
    const help = spawnSync(join(root, "node_modules/.bin/bun"), [join(root, "proxy/bin/courier.ts"), "serve", "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--probe-address");
  });

  test("an admin port that is taken: one line, exit 1, before any listener is bound", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const result = spawnSync(join(root, "node_modules/.bin/bun"), [join(root, "proxy/bin/courier.ts"), "serve", "--manifests", join(root, "dist"), "--admin", `127.0.0.1:${taken.port}`, "--port-offset", "20000", "--listen-address", "127.0.0.1"], { encoding: "utf8", timeout: 20_000 });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^courier serve: cannot listen on 127\\.0\\.0\\.1:${taken.port} for the admin endpoint \\(--admin\\): [^\\n]+\\n$`));
    } finally {
      taken.stop(true);
    }
  });
});
