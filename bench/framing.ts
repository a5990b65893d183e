// Framing on one thread: `frameBody` (what a framing worker runs per body) over the benchmark's
// 1,000-event NDJSON bodies, with the benchmark's stream and schema; prints the median pass in µs
// per event. This machine's noise is smallest here, so per-event changes are measured with it
// before the whole gateway. With a second checkout, both are loaded into this one process and
// their passes alternate (an A/B on the same core and the same moment).
//   node bench/framing.ts [--ids] [--rounds N] [--against <checkout>]
//   --ids   the bodies carry `event.id` (scenario 3's); without, the gateway makes ids (scenario 2's)
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { benchStream, makeEvents, ndjsonBodies } from './lib/events.ts';

const { values } = parseArgs({ options: { ids: { type: 'boolean', default: false }, rounds: { type: 'string', default: '8' }, against: { type: 'string' } } });
const rounds = Number(values.rounds);
const EVENTS_PER_BODY = 1000;
const bodies = ndjsonBodies(makeEvents(42, 64 * EVENTS_PER_BODY, 0, values.ids ? { idPrefix: 'f' } : {}), EVENTS_PER_BODY);

type FrameBody = (format: 'ndjson', body: Buffer, ctx: unknown, limits: unknown) => { accepted: number };

/** frameBody bound to the bench stream, loaded from the checkout at `root`. */
async function framer(root: string): Promise<() => number> {
  const load = (p: string) => import(pathToFileURL(path.resolve(root, p)).href) as Promise<Record<string, unknown>>;
  const { loadConfig } = await load('src/config/config.ts') as { loadConfig: (env: Record<string, string>, streams: unknown) => { limits: unknown } & Record<string, unknown> };
  const { createStreamRegistry } = await load('src/ingest/stream-context.ts') as { createStreamRegistry: (c: unknown) => { get: (s: string) => unknown } };
  const { frameBody } = await load('src/ingest/frame-request.ts') as { frameBody: FrameBody };
  const config = loadConfig({}, { streams: { bench: benchStream('bench') } });
  const ctx = createStreamRegistry(config).get('bench');
  return () => {
    let accepted = 0;
    for (const body of bodies) accepted += frameBody('ndjson', body, ctx, config.limits).accepted;
    if (accepted !== bodies.length * EVENTS_PER_BODY) throw new Error(`${root}: accepted ${accepted} of ${bodies.length * EVENTS_PER_BODY}`);
    return accepted;
  };
}

const checkouts = [path.resolve('.'), ...(values.against === undefined ? [] : [path.resolve(values.against)])];
const runs = await Promise.all(checkouts.map(framer));
const perEvent: number[][] = checkouts.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < runs.length; k++) {
    for (let pass = 0; pass < 10; pass++) {
      const t0 = performance.now();
      const n = (runs[k] as () => number)();
      (perEvent[k] as number[]).push(((performance.now() - t0) * 1000) / n);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (let k = 0; k < runs.length; k++) {
  const xs = (perEvent[k] as number[]).slice(10); // the first round warms the JIT
  console.log(`${checkouts[k]}: frameBody ${median(xs).toFixed(3)} µs per event (median of ${xs.length} passes over ${bodies.length} bodies of ${EVENTS_PER_BODY}${values.ids ? ', with event.id' : ''})`);
}
if (runs.length === 2) console.log(`ratio ${checkouts[1]} ÷ ${checkouts[0]}: ${(median((perEvent[1] as number[]).slice(10)) / median((perEvent[0] as number[]).slice(10))).toFixed(3)}`);
