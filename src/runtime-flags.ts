// How the gateway process runs in production (npm run serve, npm start, the benchmark).
//
// The entry point is the build (`npm run build` → dist/): Node's type stripping of src/*.ts costs
// idle RSS (bench/README.md, "Idle RSS"). The tests run src/main.ts with the same flags (no build
// step in the test run).
export const GATEWAY_ENTRY = 'dist/main.js';
/** Loaded with --import before the app: starts OpenTelemetry when OTEL_* variables configure it. */
export const GATEWAY_PRELOAD = 'dist/telemetry/otel-preload.js';

// V8 flags, each measured in bench/README.md under the heading named:
// - --max-old-space-size=128 --max-semi-space-size=4 --initial-old-space-size=128: without a heap
//   limit V8 lets garbage pile up far past what the gateway holds under overload ("Memory under
//   overload"); the limit high enough above what stays live (~27 MB under load) and the new space
//   small enough that V8 does not mark the old space several times a second, and the starting
//   old-space limit at the maximum ("Events in blocks of bulk lines", "The starting old-space
//   limit at the maximum", "Marking all the time: 128 MB and a 4 MB semi-space").
// - --no-allocation-site-pretenuring: V8 sends objects of sites it saw surviving straight to the
//   old space, but here they die young, and the main thread fell into bursts of mark-compacts at a
//   steady rate ("Main-thread mark-compacts at a fixed rate: pretenuring").
// - --v8-pool-size=2: V8's helper threads (4 by default in Node) took the cores the main thread
//   and the framing worker need on 2 cores ("V8's helper threads: 2 instead of 4"); a larger
//   machine can pass a larger pool.
// - --expose-gc: for main.ts's one memory-reducing GC after start-up ("Idle RSS"); it changes
//   neither the heap nor the JIT.
export const GATEWAY_NODE_FLAGS = ['--max-old-space-size=128', '--v8-pool-size=2', '--max-semi-space-size=4', '--initial-old-space-size=128', '--no-allocation-site-pretenuring', '--expose-gc'] as const;
