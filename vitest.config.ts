import { defineConfig } from 'vitest/config';

// Unit and fuzz tests need nothing; the others share one real Elasticsearch node that
// the global setup starts (or ES_URL names). Files run one at a time: 2 cores, one node.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // Property-based fuzzing (fast-check) of the framers and of whole requests, in process against
      // a fake upstream: no Elasticsearch node needed.
      { test: { name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], testTimeout: 120_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/fault/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
