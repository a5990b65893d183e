import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ENTRY, GATEWAY_NODE_FLAGS, GATEWAY_PRELOAD } from '../../src/runtime-flags.ts';

describe('runtime flags', () => {
  it('npm run serve starts the gateway with exactly the production entry, V8 flags and telemetry preload', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.serve).toMatch(new RegExp(`&& node ${GATEWAY_NODE_FLAGS.join(' ')} --import ./${GATEWAY_PRELOAD} ${GATEWAY_ENTRY}$`));
  });
});
