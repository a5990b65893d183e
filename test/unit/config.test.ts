import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { SETTINGS } from '../../src/config/settings.ts';

describe('config', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.elasticsearch.nodes).toEqual(['http://127.0.0.1:9200']);
    expect(c.elasticsearch.tlsRejectUnauthorized).toBe(true);
    expect(c.elasticsearch.sniff).toBe(false);
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
    expect(problems).toMatch(/ES_URL: "not a url" is not a URL/);
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
  it('takes several Elasticsearch nodes, or a cloud id instead of them', () => {
    expect(loadConfig({ ES_URL: 'https://es1:9200/, https://es2:9200,https://es3:9200' }).elasticsearch.nodes).toEqual(['https://es1:9200', 'https://es2:9200', 'https://es3:9200']);
    const cloud = loadConfig({ ES_CLOUD_ID: 'deployment:ZXhhbXBsZS5jb20kYWJjJGRlZg==' }).elasticsearch;
    expect(cloud.nodes).toEqual([]);
    expect(cloud.cloudId).toBe('deployment:ZXhhbXBsZS5jb20kYWJjJGRlZg==');
    expect(() => loadConfig({ ES_CLOUD_ID: 'x:eQ==', ES_URL: 'http://localhost:9200' })).toThrow(/ES_URL and ES_CLOUD_ID exclude each other/);
    expect(() => loadConfig({ ES_URL: 'ftp://es1' })).toThrow(/must be http:\/\/ or https:\/\//);
  });

  it('takes one kind of Elasticsearch credentials, and secrets from files', () => {
    expect(() => loadConfig({ ES_API_KEY: 'k', ES_BEARER_TOKEN: 't' })).toThrow(/one kind of Elasticsearch credentials, not ES_API_KEY and ES_BEARER_TOKEN/);
    expect(() => loadConfig({ ES_API_KEY: 'k', ES_USERNAME: 'u', ES_PASSWORD: 'p' })).toThrow(/not ES_API_KEY and ES_USERNAME\/ES_PASSWORD/);
    const files: Record<string, string> = { '/run/secrets/pw': 's3cret\n', '/run/secrets/key': 'a2V5' };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    };
    const es = loadConfig({ ES_USERNAME: 'gw', ES_PASSWORD_FILE: '/run/secrets/pw' }, undefined, read).elasticsearch;
    expect([es.username, es.password]).toEqual(['gw', 's3cret']);
    expect(loadConfig({ ES_API_KEY_FILE: '/run/secrets/key' }, undefined, read).elasticsearch.apiKey).toBe('a2V5');
    expect(() => loadConfig({ ES_BEARER_TOKEN_FILE: '/run/secrets/none' }, undefined, read)).toThrow('ES_BEARER_TOKEN_FILE /run/secrets/none: ENOENT');
    expect(() => loadConfig({ ES_API_KEY: 'k', ES_API_KEY_FILE: '/run/secrets/key' }, undefined, read)).toThrow(/ES_API_KEY and ES_API_KEY_FILE exclude each other/);
  });

  it('checks TLS settings', () => {
    const fp = 'A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90';
    expect(loadConfig({ ES_URL: 'https://es:9200', ES_CA_FINGERPRINT: fp }).elasticsearch.caFingerprint).toBe(fp);
    expect(loadConfig({ ES_URL: 'https://es:9200', ES_CA_FINGERPRINT: fp.replaceAll(':', '') }).elasticsearch.caFingerprint).toBe(fp.replaceAll(':', ''));
    expect(() => loadConfig({ ES_URL: 'https://es:9200', ES_CA_FINGERPRINT: 'abc' })).toThrow(/ES_CA_FINGERPRINT must be a SHA-256 fingerprint/);
    expect(() => loadConfig({ ES_URL: 'http://es:9200', ES_CA_FINGERPRINT: fp })).toThrow(/ES_CA_FINGERPRINT needs https:\/\/ nodes/);
    expect(loadConfig({ ES_TLS_REJECT_UNAUTHORIZED: 'false' }).elasticsearch.tlsRejectUnauthorized).toBe(false);
  });
});
