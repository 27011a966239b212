// Row 1: mutated valid inputs, in-process, into the parsers that take bytes from
// outside: the ClientHello reader, the PostgreSQL preamble, the manifest loader and
// the endpoints file parser. Every bad input must end in a clean error result: an
// exception is a failure.
import { seededRandom } from "../../test/helpers/seededRandom.ts";
import { mutate } from "../fuzz/mutate.ts";
import { endpointsTarget, helloTarget, manifestTarget, postgresTarget, type FuzzTarget } from "../fuzz/targets.ts";
import { RssSampler } from "../rss.ts";
import type { RowContext, RowDefinition } from "../suite.ts";

const SEED = 0x0c0ffee;
/** Bound on each target's time, whatever its count. */
const MAX_MS = 150_000;

async function fuzz(target: FuzzTarget, count: number, context: RowContext): Promise<void> {
  const random = seededRandom(SEED);
  const rss = new RssSampler(process.pid);
  const outcomes = new Map<string, number>();
  let exceptions = 0;
  let firstException = "";
  let done = 0;
  const started = performance.now();
  while (done < count && performance.now() - started < MAX_MS) {
    const end = Math.min(count, done + 5_000);
    for (; done < end; done++) {
      const base = target.corpus[done % target.corpus.length]!;
      // One input in 64 is the valid one, unmutated: the happy path must stay happy.
      const input = done % 64 === 0 ? base : mutate(base, random);
      try {
        const outcome = target.feed(input, random);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      } catch (error) {
        exceptions++;
        if (firstException === "") firstException = `${(error as Error).name}: ${(error as Error).message.split("\n")[0]} (input ${done}, seed ${SEED})`;
      }
    }
    await Bun.sleep(0); // let the RSS sampler run
  }
  const seconds = (performance.now() - started) / 1000;
  const top = [...outcomes].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${k} ${n}`).join(", ");
  const failures = exceptions > 0 ? [`${exceptions} exceptions, first: ${firstException}`] : [];
  if (done < count) failures.push(`only ${done} of ${count} inputs within ${MAX_MS / 1000} s`);
  context.report({
    row: `1 fuzz: ${target.name}`,
    input: `${done.toLocaleString("en")} mutated inputs, seed ${SEED.toString(16)}`,
    happened: `${exceptions} exceptions; ${Math.round(done / seconds).toLocaleString("en")} inputs/s; outcomes: ${top} (RSS: the suite's process)`,
    bytesLost: 0,
    rss: rss.stop(),
    failures,
  });
}

export const fuzzRow: RowDefinition = {
  id: "1",
  title: "fuzz",
  async run(context) {
    const scale = context.quick ? 10 : 1;
    await fuzz(helloTarget, 1_000_000 / scale, context);
    await fuzz(postgresTarget, 1_000_000 / scale, context);
    await fuzz(manifestTarget, 20_000 / scale, context);
    await fuzz(endpointsTarget, 20_000 / scale, context);
  },
};
