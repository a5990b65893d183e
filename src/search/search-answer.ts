// The gateway's answer to a search, shaped from Elasticsearch's: hits, total, aggregations and
// the cursor of the next page. Pure.

export interface AnswerHit {
  _id: string;
  _index: string;
  _score: number | null;
  _source: unknown;
  sort?: unknown[];
}

export interface SearchAnswer {
  took: number;
  timed_out: boolean;
  /** Undefined when track_total_hits is false. */
  total?: { value: number; relation: 'eq' | 'gte' };
  hits: AnswerHit[];
  aggregations?: Record<string, unknown>;
  /** `search_after` for the next page: the last hit's sort values, when the page was full. */
  next?: unknown[];
}

export interface EsSearchResponse {
  took?: number;
  timed_out?: boolean;
  hits?: {
    total?: number | { value: number; relation: string };
    hits?: { _id?: string; _index?: string; _score?: number | null; _source?: unknown; sort?: unknown[] }[];
  };
  aggregations?: Record<string, unknown>;
}

export function searchAnswer(es: EsSearchResponse, size: number): SearchAnswer {
  const hits: AnswerHit[] = (es.hits?.hits ?? []).map((h) => ({
    _id: h._id ?? '',
    _index: h._index ?? '',
    _score: h._score ?? null,
    _source: h._source,
    ...(h.sort === undefined ? {} : { sort: h.sort }),
  }));
  const total = es.hits?.total;
  const answer: SearchAnswer = { took: es.took ?? 0, timed_out: es.timed_out ?? false, hits };
  if (total !== undefined) answer.total = typeof total === 'number' ? { value: total, relation: 'eq' } : { value: total.value, relation: total.relation === 'gte' ? 'gte' : 'eq' };
  if (es.aggregations !== undefined) answer.aggregations = es.aggregations;
  const last = hits.at(-1);
  if (size > 0 && hits.length === size && last?.sort !== undefined) answer.next = last.sort;
  return answer;
}
