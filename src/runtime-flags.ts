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
// Not kept either (bench/README.md, "Events in blocks of bulk lines"): --initial-old-space-size=64
// (scenario 2 up to x1.4 with --max-semi-space-size=8, but scenario 5 at 265-270 MB); adding
// --max-old-space-size=96 gave x1.14 at 235 MB, but a 96 MB heap ceiling on every thread was not
// yet tested with large JSON-array bodies (parsed whole).
export const GATEWAY_NODE_FLAGS = ['--max-old-space-size=160', '--max-semi-space-size=16', '--expose-gc'] as const;
