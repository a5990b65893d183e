// Classifying mapping differences, and the steps each kind of stream takes for them. Pure.
import { describe, expect, it } from 'vitest';
import { diffMappings } from '../../src/governance/mapping-diff.ts';
import { nextVersionedIndex, planMappingChange } from '../../src/governance/mapping-plan.ts';
import type { StreamState } from '../../src/governance/stream-state.ts';

const file = {
  dynamic: 'strict',
  properties: {
    host: { type: 'keyword' },
    code: { type: 'long' },
    msg: { type: 'text', fields: { raw: { type: 'keyword' } } },
    http: { dynamic: 'false', properties: { status: { type: 'short' } } },
    added: { type: 'keyword' },
  },
};
const cluster = {
  dynamic: true,
  properties: {
    host: { type: 'keyword', ignore_above: 256 },
    code: { type: 'keyword' },
    msg: { fields: { raw: { type: 'keyword' } }, type: 'text' },
    http: { properties: { status: { type: 'short' } } },
    gone: { type: 'long' },
  },
};

describe('diffMappings', () => {
  it('classifies added, type and parameter changes, dynamic, and removed (template only), key order aside', () => {
    const kinds = (against: 'template' | 'write_index') => diffMappings(file, cluster, against).map((d) => [d.kind, d.path, d.breaking]);
    expect(kinds('template')).toEqual([
      ['dynamic_changed', '', false],
      ['parameter_changed', 'host', true],
      ['type_changed', 'code', true],
      ['dynamic_changed', 'http', false],
      ['added', 'added', false],
      ['removed', 'gone', false],
    ]);
    // An index's extra fields are what `dynamic` added: not differences.
    expect(kinds('write_index').map((k) => k[0])).not.toContain('removed');
    expect(diffMappings(file, file, 'template')).toEqual([]);
  });
});

const state = (over: Partial<StreamState>): StreamState => ({
  stream: 's', target: 'data_stream', writeName: 'logs-s', templateName: 't', template: { index_patterns: ['logs-s'], priority: 1, template: { mappings: cluster }, version: 4, _meta: {} },
  writeIndex: 'w1', writeIndexMappings: cluster, concreteIndex: false, aliasIndices: [], ...over,
});
const wanted = { name: 't', body: { index_patterns: ['logs-s'], priority: 1, template: { mappings: file }, _meta: {} } };
const compatibleOnly = { ...file, properties: { ...cluster.properties, added: { type: 'keyword' } } };
const kinds = (s: StreamState, w = wanted) => planMappingChange(s, w).steps.map((x) => x.kind);

describe('planMappingChange', () => {
  it('breaking: a rollover for a data stream, a new versioned index for an alias, the next index for dated ones; blocked on a concrete index', () => {
    expect(planMappingChange(state({}), wanted)).toMatchObject({ change: 'breaking', fromVersion: 4, toVersion: 5, template: { version: 5 } });
    expect(kinds(state({}))).toEqual(['put_template', 'rollover']);
    expect(planMappingChange(state({ target: 'alias', writeName: 'orders', writeIndex: 'orders-v9', aliasIndices: ['orders-v2', 'orders-v9'] }), wanted).steps[1]).toEqual({ kind: 'new_index', index: 'orders-v10', alias: 'orders', previous: 'orders-v9' });
    expect(kinds(state({ target: 'dated' }))).toEqual(['put_template', 'deferred']);
    expect(kinds(state({ target: 'alias', concreteIndex: true }))).toEqual(['put_template', 'blocked']);
    expect(kinds(state({ concreteIndex: true }))).toEqual(['put_template', 'blocked']);
  });

  it('compatible: put mapping on the write index only (a data stream\'s through write_index_only); nothing when equal', () => {
    const w = { ...wanted, body: { ...wanted.body, template: { mappings: { ...compatibleOnly, dynamic: 'true' } } } };
    expect(planMappingChange(state({}), w).steps).toEqual([{ kind: 'put_template', name: 't', version: 5 }, { kind: 'put_mapping', path: '/logs-s/_mapping?write_index_only=true' }]);
    expect(planMappingChange(state({ target: 'dated', writeIndex: 'x-2026.12.02' }), w).steps[1]).toEqual({ kind: 'put_mapping', path: '/x-2026.12.02/_mapping' });
    const same = { ...wanted, body: { ...wanted.body, template: { mappings: cluster } } };
    expect(planMappingChange(state({}), same)).toMatchObject({ change: 'none', steps: [] });
    expect(planMappingChange(state({ template: undefined, writeIndex: undefined, writeIndexMappings: undefined }), wanted)).toMatchObject({ change: 'compatible', fromVersion: undefined, toVersion: 1, steps: [{ kind: 'put_template' }] });
  });

  it('numbers versioned indices past the highest', () => {
    expect(nextVersionedIndex('a', [])).toBe('a-v1');
    expect(nextVersionedIndex('a', ['a-v1', 'a-v10', 'a-v2', 'other'])).toBe('a-v11');
  });
});
