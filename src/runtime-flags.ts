// V8 flags the gateway process runs with (npm run serve, npm start, the tests, the container).
// Without a heap limit V8 lets garbage pile up far past what the gateway holds (an overload run
// reached 375–513 MB RSS with ~100 MB live); with these, RSS stays under the documented 256 MB.
// The young generation keeps its default size: shrinking it (--max-semi-space-size=8) cost 38%
// of events per CPU-second in the benchmark for little memory.
export const GATEWAY_NODE_FLAGS = ['--max-old-space-size=192'] as const;
