// What a cluster offers to keep data streams over time: index lifecycle management (ILM), the
// data stream lifecycle, or neither (the Maven test node: its server has data streams and
// `_rollover` but neither service). Asked once at start-up.
import { EsRequestError, type EsClient } from '../sink/es-client.ts';

export type LifecycleSupport = 'ilm' | 'data_stream_lifecycle' | 'none';

/** 2xx → true; an answer that says there is no such API (400/404/405, or 403: not ours to use) → false; no answer → throws. */
async function answers(es: EsClient, path: string): Promise<boolean> {
  try {
    await es.request({ method: 'GET', path });
    return true;
  } catch (err) {
    if (err instanceof EsRequestError && err.statusCode !== undefined && err.statusCode < 500) return false;
    throw err;
  }
}

export async function detectLifecycleSupport(es: EsClient): Promise<LifecycleSupport> {
  if (await answers(es, '/_ilm/status')) return 'ilm';
  if (await answers(es, '/_data_stream/_lifecycle/stats')) return 'data_stream_lifecycle';
  return 'none';
}

/** A line for the start-up log. */
export function describeLifecycleSupport(support: LifecycleSupport, fallback: 'auto' | 'off'): string {
  switch (support) {
    case 'ilm': return 'cluster has index lifecycle management (ILM): data streams get an ILM policy from their stream\'s lifecycle';
    case 'data_stream_lifecycle': return 'cluster has the data stream lifecycle (no ILM): data streams get its retention; rollover follows the cluster\'s default conditions';
    default: return fallback === 'auto'
      ? 'cluster has neither ILM nor the data stream lifecycle: the gateway rolls data streams over and deletes expired backing indices itself (GATEWAY_LIFECYCLE_FALLBACK=auto)'
      : 'cluster has neither ILM nor the data stream lifecycle, and GATEWAY_LIFECYCLE_FALLBACK=off: data streams grow until something else rolls them over';
  }
}
