// The listener's settings: timeouts, TLS and log redaction, validated at start-up and handed to
// Node as it expects them.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { ALWAYS_REDACTED, listenerOptions, logSafeError, redactPaths } from '../../src/http/server-options.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('listener settings', () => {
  it('has safe defaults, handed to Node', () => {
    const { server } = loadConfig({});
    expect(server).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 72_000, socketTimeoutMs: 120_000, tls: undefined, logRedact: [] });
    const options = listenerOptions(server);
    expect(options).toMatchObject({ connectionTimeout: 120_000, keepAliveTimeout: 72_000, requestTimeout: 65_000, http: { headersTimeout: 10_000, requestTimeout: 65_000, connectionsCheckingInterval: 1000 } });
    expect(options.https).toBeUndefined();
  });

  it('refuses timeouts that contradict each other, and half a TLS pair', () => {
    expect(problems({ GATEWAY_HEADERS_TIMEOUT_MS: '5000', GATEWAY_REQUEST_TIMEOUT_MS: '1000' })).toEqual(['GATEWAY_HEADERS_TIMEOUT_MS must not exceed GATEWAY_REQUEST_TIMEOUT_MS']);
    expect(problems({ GATEWAY_SOCKET_TIMEOUT_MS: '30000' })).toEqual([expect.stringContaining('GATEWAY_SOCKET_TIMEOUT_MS must be 0 or longer than GATEWAY_ACK_TIMEOUT_MS')]);
    expect(problems({ GATEWAY_SOCKET_TIMEOUT_MS: '0' })).toEqual([]);
    expect(problems({ GATEWAY_TLS_CERT_FILE: '/x.crt' })).toEqual(['GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE go together']);
    expect(problems({ GATEWAY_MAX_EVENT_DEPTH: '0', GATEWAY_MAX_DECOMPRESSION_RATIO: 'lots' })).toEqual(['GATEWAY_MAX_DECOMPRESSION_RATIO must be a whole number, got "lots"', 'GATEWAY_MAX_EVENT_DEPTH must be at least 1, got 0']);
  });

  it('redacts credentials always, and the configured paths besides', () => {
    const { server } = loadConfig({ GATEWAY_LOG_REDACT: 'req.headers["x-tenant-token"], body.password' });
    expect(redactPaths(server)).toEqual([...ALWAYS_REDACTED, 'req.headers["x-tenant-token"]', 'body.password']);
    expect(ALWAYS_REDACTED).toEqual(expect.arrayContaining(['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]']));
  });

  it('logs an error without its other members and without URL credentials', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED http://elastic:pw@es:9200'), { code: 'ECONNREFUSED', meta: { headers: { authorization: 'Basic xyz' } } });
    const logged = logSafeError(err);
    expect(logged).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED http://[redacted]@es:9200', code: 'ECONNREFUSED' });
    expect(JSON.stringify(logged)).not.toMatch(/pw@|Basic xyz|meta/);
    // Some lines log only the message as `err`: kept, credentials blanked.
    expect(logSafeError('connect ECONNREFUSED https://u:pw@es:9200' as unknown as Error)).toBe('connect ECONNREFUSED https://[redacted]@es:9200');
  });
});

describe('TLS files at start-up', () => {
  it('refuses a missing or unreadable pair with a configuration error naming the files', () => {
    const server = loadConfig({ GATEWAY_TLS_CERT_FILE: '/nonexistent/tls.crt', GATEWAY_TLS_KEY_FILE: '/nonexistent/tls.key' }).server;
    expect(() => listenerOptions(server)).toThrow(ConfigError);
    expect(() => listenerOptions(server)).toThrow(/GATEWAY_TLS_CERT_FILE \/nonexistent\/tls\.crt .*ENOENT/);
  });
});
