// How the gateway process runs in production (npm run serve, npm start, the benchmark).
//
// The entry point is the build (`npm run build` → dist/): running src/*.ts through Node's type
// stripping costs ~27 MB more idle RSS (128 vs 101 MB measured). The tests run src/main.ts with
// the same flags (no build step in the test run).
export const GATEWAY_ENTRY = 'dist/main.js';

// V8 flags. Without a heap limit V8 lets garbage pile up far past what the gateway holds: the overload
// fault test (Elasticsearch frozen, 6 clients at full speed) peaked at 375-513 MB RSS. Measured
// peaks with limits: old 192 = 232 MB; old 160 = 229 MB; old 192 + semi 8 = 197 MB (but 38% fewer
// events per CPU-second in the benchmark); old 160 + semi 16 = 209 MB, kept (189-190 MB once the
// queue and intake defaults were lowered to 32 and 16 MiB).
// --expose-gc changes neither the heap nor the JIT: main.ts uses it for one memory-reducing GC
// after start-up (idle RSS ~101 -> ~82 MB).
// (--liftoff-only, kept for the WebAssembly HTTP parser of undici inside @elastic/elasticsearch,
// went with that client: the gateway's own Elasticsearch client uses node:http; no WebAssembly.)
// Not kept: --v8-pool-size=1 --no-maglev took idle RSS from 83 to 79-80 MB (with the old client) at no measurable
// throughput cost, but scenario 5's peak RSS rose from 251-253 to 254-267 MB (4 runs) with one
// framing worker, past the 256 MB bound: the bound under overload matters more (bench/README.md).
// Since events travel in blocks and JSON bodies are framed element by element (bench/README.md,
// "Events in blocks of bulk lines"): old 96 + semi 8 + --initial-old-space-size=64. V8 had been
// starting incremental marking whenever the old space's room below its limit was smaller than the
// new space (2 x 16 MB), i.e. nearly all the time; a smaller new space and a larger starting limit
// stop that. Scenario 2 x1.20 (4 + 4 alternating quick runs), its peak RSS 197-220 -> 188-194 MB;
// scenario 5 235 / 241 MB (238-248 before); the largest live heap after a mark-compact in scenario
// 5 was 21 MB, and 16 and 64 MiB JSON bodies (the largest allowed) pass with this ceiling.
// Not kept: --initial-old-space-size=64 with old 160 or 128 (scenario 2 up to x1.4, but scenario 5
// at 265-270 MB).
// --no-allocation-site-pretenuring: at a fixed rate (bench scenario 4a) the main thread fell, in
// 21 of 26 measured 10-s windows, into a state where each scavenge left ~375 KB more in the old
// space (~20 KB otherwise) and mark-compacts followed every ~250-400 ms (23-46 per 10 s, against
// 1-2), with the 4a p99 at 14-35 ms instead of 6-19 (mostly under 10). V8 had marked allocation
// sites whose objects happened to be alive at a few scavenges (pretenuring: their later objects
// go straight to the old space) while most of them die young here. Without pretenuring: 1
// mark-compact per 10 s in 3 windows of 3 (bench/README.md, "Main-thread mark-compacts at a fixed
// rate: pretenuring").
// --v8-pool-size=2: V8's helper threads (concurrent marking and sweeping, parallel scavenges,
// background compilation) are 4 by default in Node, besides the main thread and the framing
// worker; on 2 cores they took the cores those two needed. Three `--compare` full runs against
// the default, 3 alternating runs each (bench/README.md, "V8's helper threads: 2 instead of 4"):
// scenario 4a's CPU per event x0.905, x0.964, x0.902, its p50 lower in all three and its p99 in 8
// of 9 paired runs; scenario 2 x1.147, x0.910, x1.067 (noise); scenario 5's peak RSS 220 MB.
export const GATEWAY_NODE_FLAGS = ['--max-old-space-size=96', '--v8-pool-size=2', '--max-semi-space-size=8', '--initial-old-space-size=64', '--no-allocation-site-pretenuring', '--expose-gc'] as const;
