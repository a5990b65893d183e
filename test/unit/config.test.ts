import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { SETTINGS } from '../../src/config/settings.ts';

describe('config', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.elasticsearch.url).toBe('http://127.0.0.1:9200');
    expect(c.unknownStreams).toBe('accept');
    expect(c.pipeline.queueHighWaterBytes).toBeLessThan(c.pipeline.queueMaxBytes);
    expect(c.streams.size).toBe(0);
  });

  it('reports every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', GATEWAY_UNKNOWN_STREAMS: 'maybe', ES_URL: 'not a url', GATEWAY_INDEX_PATTERN: 'Logs' }, { streams: { 'Bad!': { dynamic: 'sometimes' } } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT must be a whole number/);
    expect(problems).toMatch(/GATEWAY_UNKNOWN_STREAMS must be one of accept, reject/);
    expect(problems).toMatch(/ES_URL must be a URL/);
    expect(problems).toMatch(/GATEWAY_INDEX_PATTERN must contain \{stream\}/);
    expect(problems).toMatch(/streams.Bad!: stream names/);
    expect(problems).toMatch(/streams.Bad!.dynamic must be one of/);
  });

  it('defaults dynamic to strict for streams with a schema', () => {
    const c = loadConfig({}, { streams: { a: { schema: { type: 'object' } }, b: {} } });
    expect(c.streams.get('a')?.dynamic).toBe('strict');
    expect(c.streams.get('b')?.dynamic).toBe('true');
  });

  it('documents every setting in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const s of SETTINGS) expect(readme, s.env).toContain(`| \`${s.env}\` |`);
  });
});
