// The few Elasticsearch calls the harness makes itself (plain fetch: no client between the
// generator and the node in the direct path either).
export async function es(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export async function createIndex(url: string, index: string, body: unknown): Promise<void> {
  const r = await es(url, 'PUT', `/${index}`, body);
  if (r.status !== 200) throw new Error(`create index ${index}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  await es(url, 'GET', `/_cluster/health/${index}?wait_for_status=green&timeout=30s`);
}

/** Deletes indices by concrete name (wildcard deletes are refused); missing ones are fine. */
export async function deleteIndex(url: string, index: string): Promise<void> {
  const r = await es(url, 'DELETE', `/${index}?ignore_unavailable=true`);
  if (r.status !== 200) throw new Error(`delete index ${index}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
}

export async function refreshAndCount(url: string, index: string): Promise<number> {
  await es(url, 'POST', `/${index}/_refresh`);
  const r = await es(url, 'GET', `/${index}/_count`);
  return Number(r.json.count ?? 0);
}

/** How many of `ids` the index holds (ids query, in chunks). */
export async function countIds(url: string, index: string, ids: readonly string[]): Promise<number> {
  let found = 0;
  for (let i = 0; i < ids.length; i += 10_000) {
    const r = await es(url, 'POST', `/${index}/_count`, { query: { ids: { values: ids.slice(i, i + 10_000) } } });
    if (r.status !== 200) throw new Error(`count ids in ${index}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    found += Number(r.json.count ?? 0);
  }
  return found;
}
