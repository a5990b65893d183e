// The audit trail of mapping changes: one document per version of a stream's mappings, in
// GATEWAY_MAPPING_AUDIT_INDEX — when, by whom, what changed, before and after (canonical JSON)
// with their SHA-256. Its `_id` is `<template>:v<version>` written with `create`, so two applies
// racing for the same version cannot both succeed: the second gets 409 and stops. (The template
// name, not the stream's: gateways with other index patterns on one cluster have their own.)
import { EsRequestError, type EsClient } from '../sink/es-client.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';

export type AuditChange = 'install' | 'compatible' | 'breaking' | 'rollback';

export interface AuditEntry {
  '@timestamp': string;
  stream: string;
  version: number;
  by: string;
  change: AuditChange;
  template: string;
  /** What was done in the cluster, in words ("rollover of events-web: .ds-… → .ds-…"). */
  actions: string[];
  differences: string[];
  before: string | null;
  before_sha256: string | null;
  after: string;
  after_sha256: string;
  /** A rollback: the version whose mappings were restored. */
  rolled_back_to?: number;
}

export const AUDIT_MAPPINGS = {
  dynamic: false,
  properties: {
    '@timestamp': { type: 'date' },
    stream: { type: 'keyword' },
    version: { type: 'integer' },
    by: { type: 'keyword' },
    change: { type: 'keyword' },
    template: { type: 'keyword' },
    actions: { type: 'text', index: false },
    differences: { type: 'text', index: false },
    before: { type: 'text', index: false },
    before_sha256: { type: 'keyword' },
    after: { type: 'text', index: false },
    after_sha256: { type: 'keyword' },
    rolled_back_to: { type: 'integer' },
  },
} as const;

export type AuditInput = Pick<AuditEntry, 'stream' | 'version' | 'by' | 'change' | 'template' | 'actions' | 'differences'> & {
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown>;
  rolledBackTo?: number;
  now: number;
};

/** The audit document of a change. Pure. */
export function auditEntry(a: AuditInput): AuditEntry {
  const before = a.before === undefined ? null : canonicalJson(a.before);
  const after = canonicalJson(a.after);
  return {
    '@timestamp': new Date(a.now).toISOString(),
    stream: a.stream,
    version: a.version,
    by: a.by,
    change: a.change,
    template: a.template,
    actions: a.actions,
    differences: a.differences,
    before,
    before_sha256: before === null ? null : sha256(before),
    after,
    after_sha256: sha256(after),
    ...(a.rolledBackTo === undefined ? {} : { rolled_back_to: a.rolledBackTo }),
  };
}

export class AuditConflictError extends Error {
  constructor(stream: string, version: number) {
    super(`version ${version} of stream ${stream} is already in the audit index: another change was applied meanwhile; run the command again`);
    this.name = 'AuditConflictError';
  }
}

/**
 * Writes the entry. Not waiting for a refresh (a gateway's start-up writes one per new stream):
 * readHistory refreshes the index before it searches, and a create by `_id` sees every earlier
 * one at once.
 */
export async function writeAudit(es: EsClient, index: string, entry: AuditEntry): Promise<void> {
  const id = encodeURIComponent(`${entry.template}:v${entry.version}`);
  try {
    await es.request({ method: 'PUT', path: `/${encodeURIComponent(index)}/_create/${id}`, body: JSON.stringify(entry) });
  } catch (err) {
    if (err instanceof EsRequestError && err.statusCode === 409) throw new AuditConflictError(entry.stream, entry.version);
    throw err;
  }
}

/** The stream's audit entries (of its template, when given), newest version first (none when the index does not exist yet). */
export async function readHistory(es: EsClient, index: string, stream: string, template?: string, size = 1000): Promise<AuditEntry[]> {
  let body: string;
  try {
    await es.request({ method: 'POST', path: `/${encodeURIComponent(index)}/_refresh` });
    body = (await es.request({
      method: 'POST',
      path: `/${encodeURIComponent(index)}/_search?filter_path=hits.hits._source`,
      body: JSON.stringify({ size, query: { bool: { filter: [{ term: { stream } }, ...(template === undefined ? [] : [{ term: { template } }])] } }, sort: [{ version: 'desc' }, { '@timestamp': 'desc' }] }),
    })).body;
  } catch (err) {
    if (err instanceof EsRequestError && err.statusCode === 404) return [];
    throw err;
  }
  const parsed = JSON.parse(body) as { hits?: { hits?: { _source: AuditEntry }[] } };
  return (parsed.hits?.hits ?? []).map((h) => h._source);
}
