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
// --liftoff-only: WebAssembly stays on V8's baseline compiler. The only WebAssembly is undici's
// HTTP parser (llhttp, inside the Elasticsearch client); once a few responses had been parsed V8
// re-compiled it with TurboFan on a worker thread, whose ~8 MB of scratch memory glibc then kept:
// idle RSS against a real node 91.8 -> 83.4 MB. Response bodies are handed over as spans, so the
// parser's speed hardly matters (bench/README.md, "Idle RSS").
// --v8-pool-size=1 --no-maglev: one V8 platform thread (background GC and compilation) instead
// of four, and no mid-tier JIT (hot code still reaches TurboFan): idle RSS 83 -> 79-80 MB. The
// gateway already runs a thread per core (main + framing workers); fewer helper threads
// contending for them did not cost throughput: scenario 2 --compare, quick, 2 alternating runs
// each: pool size 1 alone events/s x1.18, both flags x1.04 (noise either way on this machine).
export const GATEWAY_NODE_FLAGS = ['--max-old-space-size=160', '--max-semi-space-size=16', '--expose-gc', '--liftoff-only', '--v8-pool-size=1', '--no-maglev'] as const;
