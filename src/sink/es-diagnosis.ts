// Why a call to Elasticsearch failed, in the words an operator needs: one cause that /readyz
// names and one line that says what to fix. Pure; never repeats a credential (the client's
// messages carry none: its errors are redacted, and node URLs are shown without userinfo).

export type EsCause = 'tls' | 'auth' | 'not_elasticsearch' | 'unreachable' | 'unavailable';

export interface EsDiagnosis {
  cause: EsCause;
  /** What happened, e.g. "TLS: self-signed certificate in certificate chain". */
  detail: string;
  /** What to change. */
  fix: string;
}

const TLS = /certificate|self[- ]signed|\bSSL\b|\bTLS\b|EPROTO|wrong version number|fingerprint|unable to verify|CERT_|ERR_TLS|handshake/i;

interface ClientErrorLike {
  name?: string;
  message?: string;
  statusCode?: number;
  cause?: unknown;
}

export function diagnoseEsError(err: unknown): EsDiagnosis {
  const e = (err ?? {}) as ClientErrorLike;
  const inner = (e.cause ?? e) as ClientErrorLike;
  const message = (inner.message ?? e.message ?? String(err)).slice(0, 300);
  if (e.statusCode === 401) return { cause: 'auth', detail: `Elasticsearch refused the credentials (401)`, fix: 'check ES_USERNAME/ES_PASSWORD, ES_API_KEY or ES_BEARER_TOKEN (or their _FILE forms)' };
  if (e.statusCode === 403) return { cause: 'auth', detail: `the credentials lack a privilege (${(e.message ?? '').replace(/^Elasticsearch answered /, '').slice(0, 200)})`, fix: 'grant the gateway\'s user or key the privileges the README lists (write and create_index on its indices, manage_index_templates, monitor)' };
  if (inner.name === 'ProductNotSupportedError') return { cause: 'not_elasticsearch', detail: 'the server answered, but not as Elasticsearch (no X-Elastic-Product header)', fix: 'point ES_URL (or ES_CLOUD_ID) at Elasticsearch itself, not at another service or a proxy that drops the header' };
  if (TLS.test(message)) {
    const plainToTls = /wrong version number|EPROTO/i.test(message);
    return {
      cause: 'tls',
      detail: `TLS: ${message}`,
      fix: plainToTls ? 'check the scheme in ES_URL: https:// for a node with TLS, http:// for one without' : 'set ES_CA_FILE to the CA that signed the cluster\'s HTTP certificate, or ES_CA_FINGERPRINT to its SHA-256 fingerprint',
    };
  }
  if (e.statusCode !== undefined) return { cause: 'unavailable', detail: `Elasticsearch answered with an error: ${(e.message ?? '').replace(/^Elasticsearch answered /, '').slice(0, 200)}`, fix: 'check the cluster\'s health; the gateway spools meanwhile and retries' };
  return { cause: 'unreachable', detail: `no answer: ${message}`, fix: 'check ES_URL (or ES_CLOUD_ID) and that the cluster is up and reachable from the gateway' };
}

/** A node URL as it may be logged: without a user or password in it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
