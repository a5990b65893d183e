// The templates the gateway keeps per kind of stream, and what each cluster's lifecycle support adds. Pure.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { governedTemplates } from '../../src/governance/governed-templates.ts';
import { writeTargetOf } from '../../src/sink/index-templates.ts';

const config = loadConfig({ GATEWAY_INDEX_PATTERN: 'ev-{stream}-{yyyy.MM.dd}', GATEWAY_MAPPING_AUDIT_INDEX: 'audit-x' }, {
  streams: {
    ds: { dataStream: true, lifecycle: { deleteAfterDays: 3 } },
    orders: { index: 'orders' },
    daily: {},
  },
});
const byStream = (support: 'ilm' | 'data_stream_lifecycle' | 'none') => new Map(governedTemplates(config, support).map((t) => [t.stream?.name ?? t.name, t.body]));

describe('governed templates', () => {
  it('a data stream template, an alias stream matching its versions, dated indices as before, and the audit index', () => {
    expect([...config.streams.values()].map((s) => writeTargetOf(s, config.defaultIndexPattern))).toEqual(['data_stream', 'alias', 'dated']);
    const t = byStream('none');
    expect(t.get('ds')).toMatchObject({ index_patterns: ['ev-ds'], data_stream: {} });
    expect(t.get('ds')?.template.settings).toBeUndefined();
    expect(t.get('orders')).toMatchObject({ index_patterns: ['orders', 'orders-v*'] });
    expect(t.get('orders')?.data_stream).toBeUndefined();
    expect(t.get('daily')).toMatchObject({ index_patterns: ['ev-daily-*'] });
    const audit = [...t.entries()].find(([, b]) => b.index_patterns[0] === 'audit-x')?.[1];
    expect(audit?.template.mappings).toMatchObject({ dynamic: false, properties: { stream: { type: 'keyword' }, after_sha256: { type: 'keyword' } } });
  });

  it('the lifecycle by what the cluster has: an ILM policy name, the data stream lifecycle\'s retention, or nothing', () => {
    expect(byStream('ilm').get('ds')?.template.settings).toEqual({ 'index.lifecycle.name': 'es-gateway-ds' });
    expect(byStream('data_stream_lifecycle').get('ds')?.template.lifecycle).toEqual({ enabled: true, data_retention: '3d' });
    expect(byStream('none').get('ds')?.template.lifecycle).toBeUndefined();
  });
});
