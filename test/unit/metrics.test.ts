import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/telemetry/metrics.ts';

describe('metrics registry', () => {
  it('names the process and Node.js metrics es_gateway_process_* and es_gateway_nodejs_*, the prefix once', async () => {
    const { registry } = createMetrics();
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('es_gateway_process_cpu_user_seconds_total');
    expect(names).toContain('es_gateway_process_cpu_system_seconds_total');
    expect(names).toContain('es_gateway_process_cpu_seconds_total');
    expect(names).toContain('es_gateway_process_resident_memory_bytes');
    expect(names).toContain('es_gateway_nodejs_heap_size_used_bytes');
    for (const name of names) {
      expect(name).toMatch(/^es_gateway_/);
      expect(name).not.toMatch(/^es_gateway_process_(process|nodejs)_/);
    }
    // The scrape text says the same.
    const text = await registry.metrics();
    expect(text).toMatch(/^es_gateway_process_cpu_seconds_total \d/m);
    expect(text).not.toContain('es_gateway_process_process_');
  });
});
