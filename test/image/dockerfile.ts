// Reads the few Dockerfile instructions the image's Dockerfile uses, enough to compare
// them with the OCI config that `npm run image` writes. Not a general parser: one
// instruction per line, JSON (exec) form for ENTRYPOINT/CMD, KEY=value for ENV/LABEL.
export interface DockerfileSummary {
  from: string | undefined;
  copies: string[][];
  user: string | undefined;
  workdir: string | undefined;
  env: string[];
  labels: Record<string, string>;
  expose: string[];
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

function unquote(value: string): string {
  return value.startsWith('"') ? (JSON.parse(value) as string) : value;
}

export function parseDockerfile(text: string): DockerfileSummary {
  const out: DockerfileSummary = { from: undefined, copies: [], user: undefined, workdir: undefined, env: [], labels: {}, expose: [], entrypoint: undefined, cmd: undefined };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const space = line.indexOf(" ");
    const instruction = line.slice(0, space).toUpperCase();
    const rest = line.slice(space + 1).trim();
    const keyValue = (): [string, string] => {
      const eq = rest.indexOf("=");
      return [rest.slice(0, eq), unquote(rest.slice(eq + 1))];
    };
    switch (instruction) {
      case "FROM":
        out.from = rest;
        break;
      case "COPY":
        out.copies.push(rest.split(/\s+/));
        break;
      case "USER":
        out.user = rest;
        break;
      case "WORKDIR":
        out.workdir = rest;
        break;
      case "ENV":
        out.env.push(keyValue().join("="));
        break;
      case "LABEL": {
        const [key, value] = keyValue();
        out.labels[key] = value;
        break;
      }
      case "EXPOSE":
        out.expose.push(...rest.split(/\s+/).map((p) => (p.includes("/") ? p : `${p}/tcp`)));
        break;
      case "ENTRYPOINT":
        out.entrypoint = JSON.parse(rest) as string[];
        break;
      case "CMD":
        out.cmd = JSON.parse(rest) as string[];
        break;
      default:
        throw new Error(`Dockerfile: instruction not expected here: ${line}`);
    }
  }
  return out;
}
