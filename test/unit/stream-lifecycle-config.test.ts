// The streams file's data stream, lifecycle and maxFields settings: defaults and every refusal.
import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigError } from '../../src/config/config.ts';

const problemsOf = (streams: unknown, env: Record<string, string> = {}): string[] => {
  try {
    loadConfig(env, { streams });
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('data stream streams', () => {
  it('name the data stream after the default pattern without its date, or after their own index', () => {
    const c = loadConfig({ GATEWAY_INDEX_PATTERN: 'logs-{stream}-{yyyy.MM.dd}' }, { streams: { web: { dataStream: true }, api: { dataStream: true, index: 'api-events' }, old: {} } });
    expect(c.streams.get('web')).toMatchObject({ dataStream: true, index: 'logs-{stream}', lifecycle: undefined, maxFields: undefined });
    expect(c.streams.get('api')?.index).toBe('api-events');
    expect(c.streams.get('old')).toMatchObject({ dataStream: false, index: undefined });
  });

  it('default rollover (50gb primary shard, 30d) when a lifecycle names none', () => {
    const c = loadConfig({}, { streams: { web: { dataStream: true, lifecycle: { deleteAfterDays: 7 } } } });
    expect(c.streams.get('web')?.lifecycle).toEqual({ kind: 'managed', rollover: { maxPrimaryShardSize: '50gb', maxAge: '30d', maxDocs: undefined }, warmAfterDays: undefined, deleteAfterDays: 7 });
  });

  it('refuse what cannot work, each with its reason', () => {
    expect(problemsOf({ a: { dataStream: true, index: 'a-{yyyy.MM}' } })).toEqual(['streams.a.index: a data stream\'s name has no date tokens (its backing indices carry the dates), got "a-{yyyy.MM}"']);
    expect(problemsOf({ a: { dataStream: 'yes' } })).toEqual(['streams.a.dataStream must be true or false']);
    expect(problemsOf({ a: { lifecycle: { deleteAfterDays: 3 } } })).toEqual(['streams.a.lifecycle needs "dataStream": true (dated indices are kept by their own tooling)']);
    expect(problemsOf({ a: { dataStream: true, lifecycle: { rollover: { maxAge: 'a day', maxPrimaryShardSize: '5 GB', maxDocs: 0 } } } })).toEqual([
      'streams.a.lifecycle.rollover.maxPrimaryShardSize must be a size such as "50gb"',
      'streams.a.lifecycle.rollover.maxAge must be a time such as "1d" or "12h"',
      'streams.a.lifecycle.rollover.maxDocs must be a whole number (at least 1)',
    ]);
    expect(problemsOf({ a: { dataStream: true, lifecycle: { rollover: {} } } })).toEqual(['streams.a.lifecycle.rollover needs at least one of maxPrimaryShardSize, maxAge, maxDocs']);
    expect(problemsOf({ a: { dataStream: true, lifecycle: { warmAfterDays: 30, deleteAfterDays: 7 } } })).toEqual(['streams.a.lifecycle.warmAfterDays must be less than deleteAfterDays']);
    expect(problemsOf({ a: { dataStream: true, lifecycle: { policy: 'p', deleteAfterDays: 7 } } })).toEqual(['streams.a.lifecycle.policy names an existing policy: it excludes rollover, warmAfterDays and deleteAfterDays']);
    expect(problemsOf({ a: { dataStream: true, lifecycle: { keep: 1 } } })).toEqual(['streams.a.lifecycle.keep is not a lifecycle setting (policy, rollover, warmAfterDays, deleteAfterDays)']);
    expect(problemsOf({ a: { maxFields: 0 } })).toEqual(['streams.a.maxFields must be a whole number (at least 1)']);
    expect(problemsOf({}, { GATEWAY_MAPPING_AUDIT_INDEX: 'Audit' })[0]).toMatch(/^GATEWAY_MAPPING_AUDIT_INDEX: /);
  });
});
