// Row 3: a flood past --max-connections. The Gateway has two listeners; 600 idle
// connections flood one of them (capped at 300 per listener), spread over 10 source
// addresses so the per-client pre-hello cap is not what refuses them. The excess must
// be refused at once; the real client, connecting every 50 ms to the other listener,
// must be served throughout. A real client on the flooded listener is refused while
// it is full: the cap is per listener by design.
import { freePort } from "../../test/helpers/ports.ts";
import { isRefused } from "../../test/helpers/tlsClient.ts";
import { windowLatency } from "../probe.ts";
import { awaitLine, logMark } from "../proxyLog.ts";
import { RssSampler } from "../rss.ts";
import { loopbackAddresses, openStalled } from "../stalledClients.ts";
import type { RowDefinition } from "../suite.ts";
import { DEFAULT_LISTENERS, ECHO_SNI, startWorld } from "../world.ts";

const CAP = 300;
const FLOOD = 600;
/** A connection the proxy closes within this long was refused; the held ones wait for the hello timeout. */
const REFUSED_WITHIN_MS = 1_000;

export const floodRow: RowDefinition = {
  id: "3",
  title: "connection flood",
  async run(context) {
    const world = await startWorld(["--workers", "1", "--max-connections", String(CAP), "--hello-timeout", "5s"]);
    try {
      const proxy = world.scenario.proxy;
      const offset = world.scenario.port - 443;
      // The Gateway's port is the bound one less the offset: it must be 1..65535.
      let floodPort = await freePort();
      for (let tries = 0; floodPort - offset < 1 && tries < 50; tries++) floodPort = await freePort();
      const mark = logMark(proxy);
      world.writeConfig([], [...DEFAULT_LISTENERS, { name: "flood", port: floodPort - offset }]);
      if ((await awaitLine(proxy, mark, /configuration loaded .*ports=2/, 10_000)) === undefined) throw new Error(`the second listener was not loaded: ${proxy.logs().split("\n").slice(-5).join(" | ")}`);
      const real = await world.startProbe("connect");
      const rss = new RssSampler(proxy.pid);
      const { clients, failedToOpen } = await openStalled(floodPort, FLOOD, loopbackAddresses(3, 10), new Uint8Array(0), 50);
      await Bun.sleep(REFUSED_WITHIN_MS);
      const refused = clients.filter((c) => (c.closedAt() ?? Infinity) - c.openedAt <= REFUSED_WITHIN_MS).length;
      const held = clients.length - refused;
      const sameListener = (await isRefused(floodPort, ECHO_SNI, world.scenario.pki.ca)) ? "refused" : "served";
      await Bun.sleep(1_000);
      const window = await real.stop();
      for (const c of clients) c.destroy();
      await Bun.sleep(500);
      const afterFlood = (await isRefused(floodPort, ECHO_SNI, world.scenario.pki.ca)) ? "refused" : "served";
      const failures: string[] = [];
      if (failedToOpen > 0) failures.push(`${failedToOpen} flood connections could not open`);
      if (held !== CAP) failures.push(`${held} held, expected the cap of ${CAP}`);
      if (refused !== FLOOD - CAP) failures.push(`${refused} refused, expected ${FLOOD - CAP}`);
      if (window.failures > 0) failures.push(`${window.failures} real clients failed: ${window.errors[0] ?? ""}`);
      if (afterFlood !== "served") failures.push("the flooded listener did not serve again once the flood closed");
      context.report({
        row: "3 flood past --max-connections",
        input: `${FLOOD} idle connections from 10 addresses to one listener, --max-connections ${CAP}`,
        happened: `${held} held, ${refused} refused at once; real client on the other listener every 50 ms: ${window.samples.length} served, ${window.failures} failed; on the flooded listener while full: ${sameListener}, after the flood: ${afterFlood}`,
        bytesLost: window.bytesLost,
        rss: rss.stop(),
        latency: { what: "new TLS connection", figures: windowLatency(window) },
        failures,
      });
    } finally {
      await world.close();
    }
  },
};
