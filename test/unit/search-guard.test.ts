import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_SEARCH, type StreamSearchConfig } from '../../src/config/stream-search.ts';
import { catalogFromMappings } from '../../src/search/field-catalog.ts';
import { guardSearch, queryFieldsOf, type GuardContext, type GuardedSearch, type Refusal } from '../../src/search/search-guard.ts';
import { defaultWindowFrom, evaluateDate, formatDuration } from '../../src/search/time-window.ts';

const catalog = catalogFromMappings({
  properties: {
    message: { type: 'text', fields: { keyword: { type: 'keyword' } } },
    service: { type: 'keyword' },
    status: { type: 'integer' },
    latency_ms: { type: 'double' },
    ok: { type: 'boolean' },
    host: { properties: { name: { type: 'keyword' } } },
  },
});
const NOW = Date.parse('2026-03-07T22:15:30.250Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ALL_ON: StreamSearchConfig = { ...DEFAULT_STREAM_SEARCH, allowQueryString: true, allowWildcard: true, allowRegexp: true };

const ctx = (config: StreamSearchConfig = DEFAULT_STREAM_SEARCH): GuardContext => ({ config, catalog, now: NOW });

function accepted(body: unknown, config?: StreamSearchConfig): GuardedSearch {
  const result = guardSearch(body, ctx(config));
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.refusal)}`);
  return result.search;
}

function refused(body: unknown, config?: StreamSearchConfig): Refusal {
  const result = guardSearch(body, ctx(config));
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.search)}`);
  return result.refusal;
}

function expectRefusal(body: unknown, rule: string, path: string, phrase: string, config?: StreamSearchConfig): void {
  const r = refused(body, config);
  expect({ rule: r.rule, path: r.path }).toEqual({ rule, path });
  expect(r.detail).toContain(phrase);
}

describe('guardSearch: what it accepts', () => {
  it('fills the defaults and adds nothing else', () => {
    expect(accepted({})).toEqual({
      query: undefined, window: { from: 'now-1d', to: 'now' }, size: 10, offset: 0, sort: undefined,
      search_after: undefined, _source: undefined, aggs: undefined, track_total_hits: undefined,
    });
  });

  it('passes the window, paging, _source and track_total_hits on as given', () => {
    const s = accepted({ from: '2026-03-07T00:00:00Z', to: 1772921730250, size: 0, offset: 20, _source: { includes: ['service'], excludes: 'password' }, track_total_hits: 5000 });
    expect(s.window).toEqual({ from: '2026-03-07T00:00:00Z', to: 1772921730250 });
    expect([s.size, s.offset, s.track_total_hits]).toEqual([0, 20, 5000]);
    expect(s._source).toEqual({ includes: ['service'], excludes: 'password' });
    expect(accepted({ from: 'now-15m', to: 'now' }).window).toEqual({ from: 'now-15m', to: 'now' });
    expect(accepted({ _source: false })._source).toBe(false);
    expect(accepted({ _source: ['not.mapped.is.fine'] })._source).toEqual(['not.mapped.is.fine']);
  });

  it('writes the default window in the largest whole unit', () => {
    expect(accepted({}, { ...DEFAULT_STREAM_SEARCH, defaultWindowMs: 900_000 }).window.from).toBe('now-15m');
    expect(defaultWindowFrom(DAY)).toBe('now-1d');
    expect(defaultWindowFrom(36 * HOUR)).toBe('now-36h');
    expect(defaultWindowFrom(90_000)).toBe('now-90s');
    expect(defaultWindowFrom(500)).toBe('now-1s');
    expect(defaultWindowFrom(1500)).toBe('now-2s');
  });

  it('normalises sort to a list of { field: { order } } with Elasticsearch\'s default orders', () => {
    expect(accepted({ sort: 'status' }).sort).toEqual([{ status: { order: 'asc' } }]);
    expect(accepted({ sort: ['_score', '_doc', { '@timestamp': 'desc' }, { latency_ms: { missing: '_last', numeric_type: 'double' } }, { 'message.keyword': { order: 'desc', unmapped_type: 'keyword', format: 'x' } }] }).sort).toEqual([
      { _score: { order: 'desc' } }, { _doc: { order: 'asc' } }, { '@timestamp': { order: 'desc' } },
      { latency_ms: { order: 'asc', missing: '_last', numeric_type: 'double' } }, { 'message.keyword': { order: 'desc', unmapped_type: 'keyword', format: 'x' } },
    ]);
  });

  it('takes search_after as long as the sort', () => {
    expect(accepted({ sort: [{ status: 'desc' }, '_doc'], search_after: [503, 'x'] }).search_after).toEqual([503, 'x']);
    expect(accepted({ search_after: [null] }).search_after).toEqual([null]);
  });

  const clauses: Record<string, unknown>[] = [
    { match_all: {} }, { match_all: { boost: 2 } }, { match_none: {} },
    { match: { message: 'timeout' } },
    { match: { message: { query: 'timeout refused', operator: 'and', minimum_should_match: '50%', fuzziness: 'AUTO', prefix_length: 1, max_expansions: 10, analyzer: 'standard', lenient: true, zero_terms_query: 'all', auto_generate_synonyms_phrase_query: false, boost: 1.5 } } },
    { match_phrase: { message: 'timeout on' } }, { match_phrase: { message: { query: 'timeout on', slop: 2, analyzer: 'standard', zero_terms_query: 'none', boost: 1 } } },
    { multi_match: { query: 'refused api', fields: ['message^2', 'service', 'host.name^1.5'], type: 'best_fields', operator: 'or', tie_breaker: 0.3 } },
    { term: { service: 'db' } }, { term: { ok: true } }, { term: { 'host.name': { value: 'h1', case_insensitive: true, boost: 2 } } },
    { terms: { status: [404, 503] } }, { terms: { service: ['api', 'db'], boost: 1 } },
    { range: { latency_ms: { gte: 20, lt: 60 } } }, { range: { status: { gt: 499, lte: 599, boost: 1, relation: 'intersects' } } },
    { exists: { field: 'host.name' } }, { ids: { values: ['a', 'b'] } },
    { prefix: { 'host.name': 'h1' } }, { prefix: { service: { value: 'ap', case_insensitive: true, rewrite: 'constant_score', boost: 1 } } },
    { simple_query_string: { query: 'slow +node-3', fields: ['message', 'service^3'], default_operator: 'and', flags: 'AND|OR', lenient: true } },
    { wildcard: { service: 'ap*' } }, { wildcard: { 'message.keyword': { value: 'request 1*', case_insensitive: true } } }, { wildcard: { 'message.keyword': { wildcard: 'request ?1' } } },
    { regexp: { 'host.name': 'h[24]' } }, { regexp: { service: { value: 'api|db.*', flags: 'ALL', max_determinized_states: 1000 } } }, { regexp: { service: '\\*star' } },
    {
      bool: {
        must: [{ match: { message: 'cached' } }], filter: { term: { ok: true } }, must_not: [{ term: { service: 'web' } }],
        should: [{ term: { status: 200 } }, { bool: { filter: [{ exists: { field: 'status' } }] } }], minimum_should_match: 1, boost: 1,
      },
    },
  ];

  it.each(clauses.map((c) => [Object.keys(c)[0], c]))('accepts %s as given', (_type, query) => {
    expect(accepted({ query }, ALL_ON).query).toEqual(query);
  });

  it('fills simple_query_string fields from the catalog (allowed text and keyword fields, sorted)', () => {
    expect(accepted({ query: { simple_query_string: { query: 'refused -api' } } }).query).toEqual({
      simple_query_string: { query: 'refused -api', fields: ['host.name', 'message', 'message.keyword', 'service'] },
    });
    const only = { ...DEFAULT_STREAM_SEARCH, fields: ['service', 'message'] };
    expect(accepted({ query: { bool: { must: { simple_query_string: { query: 'x' } } } } }, only).query).toEqual({
      bool: { must: { simple_query_string: { query: 'x', fields: ['message', 'message.keyword', 'service'] } } },
    });
    expect(accepted({ query: { simple_query_string: { query: 'x' } } }, { ...DEFAULT_STREAM_SEARCH, queryFields: ['message'] }).query)
      .toEqual({ simple_query_string: { query: 'x', fields: ['message'] } });
    expect(queryFieldsOf(ctx())).toEqual(['host.name', 'message', 'message.keyword', 'service']);
  });

  it('makes query_string explicit: fields filled, leading wildcards off', () => {
    expect(accepted({ query: { query_string: { query: 'service:auth AND status:[500 TO 599]' } } }, ALL_ON).query).toEqual({
      query_string: { query: 'service:auth AND status:[500 TO 599]', fields: ['host.name', 'message', 'message.keyword', 'service'], allow_leading_wildcard: false },
    });
    expect(accepted({ query: { query_string: { query: 'timeout', default_field: 'message', allow_leading_wildcard: false } } }, ALL_ON).query).toEqual({
      query_string: { query: 'timeout', default_field: 'message', allow_leading_wildcard: false },
    });
    // Quoted phrases, escapes, ranges and trailing wildcards are not field names or leading wildcards.
    const text = 'message:"a: *b" AND host.name:h1* AND api\\:x AND _exists_:ok AND @timestamp:[2026-03-07T10:00 TO *]';
    expect(accepted({ query: { query_string: { query: text, fields: ['message^2'] } } }, ALL_ON).query).toEqual({
      query_string: { query: text, fields: ['message^2'], allow_leading_wildcard: false },
    });
    expect(accepted({ query: { query_string: { query: 'host.name:/h[0-9]+/' } } }, ALL_ON).query).toMatchObject({ query_string: { allow_leading_wildcard: false } });
  });

  it('accepts every aggregation and normalises aggregations to aggs', () => {
    const aggs = {
      by_service: { terms: { field: 'service', size: 10, min_doc_count: 1, order: [{ slowest: 'desc' }, { _key: 'asc' }], missing: 'none', shard_size: 50 }, aggs: { slowest: { max: { field: 'latency_ms' } } } },
      per_hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: 'Europe/Paris', min_doc_count: 0, format: 'yyyy-MM-dd', offset: '+30m', keyed: false }, meta: { panel: 1 } },
      per_day: { date_histogram: { field: '@timestamp', calendar_interval: 'day', extended_bounds: { min: 'now-1d', max: 'now' } } },
      latency: { histogram: { field: 'latency_ms', interval: 10, hard_bounds: { min: 0, max: 100 }, extended_bounds: { min: 0, max: 100 } } },
      statuses: { range: { field: 'status', ranges: [{ to: 300 }, { from: 300, to: 500, key: 'mid' }, { from: 500 }], keyed: true } },
      avg: { avg: { field: 'latency_ms', missing: 0 } },
      min: { min: { field: '@timestamp' } },
      sum: { sum: { field: 'status' } },
      count: { value_count: { field: 'ok' } },
      hosts: { cardinality: { field: 'host.name', precision_threshold: 1000 } },
      p: { percentiles: { field: 'latency_ms', percents: [50, 99, 99.9], keyed: false } },
    };
    expect(accepted({ aggregations: aggs }).aggs).toEqual(aggs);
    expect(accepted({ aggs: { s: { terms: { field: 'service' }, aggregations: { n: { avg: { field: 'status' } } } } } }).aggs)
      .toEqual({ s: { terms: { field: 'service' }, aggs: { n: { avg: { field: 'status' } } } } });
  });

  it('estimates date_histogram buckets over the search window', () => {
    expect(accepted({ from: 'now-1d', to: 'now', aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } } }).aggs).toBeDefined();
    // 1000 one-minute buckets is the cap: 999 minutes + 1 fits, 1000 minutes + 1 does not.
    expect(guardSearch({ from: 'now-999m', to: 'now', aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } } } }, ctx()).ok).toBe(true);
    expectRefusal({ from: 'now-1000m', to: 'now', aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } } } }, 'max-buckets', 'aggs.h', 'about 1001 buckets');
    expect(guardSearch({ from: 'now-7d', to: 'now', aggs: { w: { date_histogram: { field: '@timestamp', calendar_interval: '1M' } } } }, ctx()).ok).toBe(true);
  });
});

describe('guardSearch: what it refuses', () => {
  const cases: [string, unknown, string, string, string, StreamSearchConfig?][] = [
    // The body
    ['a body that is not an object', [], 'invalid-body', '', 'JSON object'],
    ['an unknown parameter', { query: {}, fields: ['x'] }, 'unknown-parameter', 'fields', 'not a search parameter'],
    ['runtime_mappings', { runtime_mappings: { x: { type: 'keyword' } } }, 'parameter-not-allowed', 'runtime_mappings', 'never allowed through the gateway'],
    ['script_fields', { script_fields: {} }, 'parameter-not-allowed', 'script_fields', 'never allowed'],
    ['index', { index: 'other-*' }, 'parameter-not-allowed', 'index', 'never allowed'],
    ['both aggs and aggregations', { aggs: {}, aggregations: {} }, 'invalid-value', 'aggregations', 'not both'],
    // Time window
    ['a one-sided from', { from: 'now-1h' }, 'time-range', 'to', 'needs both from and to'],
    ['a one-sided to', { to: 'now' }, 'time-range', 'from', 'one-sided range is unbounded'],
    ['a from that is no date', { from: 'yesterday', to: 'now' }, 'time-range', 'from', '"yesterday" is not a date: use ISO 8601, epoch milliseconds or now-15m'],
    ['a date that does not exist', { from: '2026-02-30', to: 'now' }, 'time-range', 'from', 'is not a date'],
    ['a date math unit that does not exist', { from: 'now-1x', to: 'now' }, 'time-range', 'from', 'is not a date'],
    ['to before from', { from: 'now', to: 'now-1h' }, 'time-range', 'to', 'is before from'],
    ['a window of 8 days', { from: 'now-8d', to: 'now' }, 'window-too-wide', 'from', 'spans 8d, more than this stream\'s 7d'],
    ['ISO dates 10 days apart', { from: '2026-02-20T00:00:00Z', to: '2026-03-02T00:00:00Z' }, 'window-too-wide', 'from', 'spans 10d 999ms'], // to without milliseconds reads as its last millisecond, as in Elasticsearch
    ['a window wider than the stream\'s', { from: 'now-2h', to: 'now' }, 'window-too-wide', 'from', 'spans 2h, more than this stream\'s 90m', { ...DEFAULT_STREAM_SEARCH, maxWindowMs: 90 * 60_000 }],
    // Size and paging
    ['size over the maximum', { size: 1001 }, 'max-size', 'size', '1000'],
    ['a negative size', { size: -1 }, 'invalid-value', 'size', 'whole number'],
    ['a fractional size', { size: 2.5 }, 'invalid-value', 'size', 'whole number'],
    ['a deep page', { offset: 9995, size: 10 }, 'max-result-window', 'offset', 'deeper pages go through search_after (the `next` cursor)'],
    ['a string offset', { offset: '5' }, 'invalid-value', 'offset', 'whole number'],
    ['search_after shorter than the sort', { sort: ['status', '_doc'], search_after: [1] }, 'invalid-value', 'search_after', 'the sort has 2'],
    ['search_after without sort and two values', { search_after: [1, 2] }, 'invalid-value', 'search_after', 'the sort has 1'],
    ['search_after with an object', { sort: 'status', search_after: [{}] }, 'invalid-value', 'search_after', 'list of strings'],
    ['track_total_hits as a string', { track_total_hits: 'yes' }, 'invalid-value', 'track_total_hits', 'true, false or a whole number'],
    ['_source with a script', { _source: { includes: ['a'], script: 'x' } }, 'parameter-not-allowed', '_source.script', 'includes, excludes'],
    ['_source as a number', { _source: 1 }, 'invalid-value', '_source', '_source is'],
    // Sort
    ['a text field in a sort', { sort: [{ message: 'asc' }] }, 'not-sortable', 'sort[0].message', 'field "message" is a text field: sort on a keyword, numeric, date or boolean field (e.g. message.keyword)'],
    ['an unmapped sort field', { sort: 'nope' }, 'unknown-field', 'sort', 'field "nope" is not mapped'],
    ['a script sort', { sort: [{ _script: { type: 'number', script: 'x' } }] }, 'parameter-not-allowed', 'sort[0]._script', 'never allowed'],
    ['a sort parameter the gateway does not allow', { sort: [{ status: { order: 'asc', mode: 'max' } }] }, 'parameter-not-allowed', 'sort[0].status.mode', '"mode"'],
    ['a sort order that is no order', { sort: { status: 'up' } }, 'invalid-value', 'sort.status.order', 'asc or desc'],
    ['a wildcard sort field', { sort: ['stat*'] }, 'field-pattern', 'sort[0]', 'field names are exact; wildcards in field names are not allowed'],
    // Query clauses
    ['an unmapped field', { query: { term: { password: 'x' } } }, 'unknown-field', 'query.term.password', 'field "password" is not mapped in this stream\'s mappings'],
    ['a wildcard field name in a query', { query: { match: { 'mess*': 'x' } } }, 'field-pattern', 'query.match.mess*', 'wildcards in field names are not allowed'],
    ['a wildcard in multi_match fields', { query: { multi_match: { query: 'x', fields: ['message', '*'] } } }, 'field-pattern', 'query.multi_match.fields[1]', 'exact'],
    ['multi_match without fields', { query: { multi_match: { query: 'x' } } }, 'invalid-value', 'query.multi_match.fields', 'without it Elasticsearch searches every field'],
    ['a clause with two keys', { query: { term: { service: 'a' }, match: { message: 'b' } } }, 'invalid-value', 'query', 'exactly one key'],
    ['a term naming two fields', { query: { term: { service: 'a', status: 1 } } }, 'invalid-value', 'query.term', 'exactly one field'],
    ['a script clause', { query: { script: { script: 'true' } } }, 'clause-not-allowed', 'query.script', 'never allowed through the gateway'],
    ['a nested script_score', { query: { bool: { should: [{ match_all: {} }, { script_score: {} }] } } }, 'clause-not-allowed', 'query.bool.should[1].script_score', 'never allowed'],
    ['a span clause', { query: { span_term: { service: 'a' } } }, 'clause-not-allowed', 'query.span_term', 'never allowed'],
    ['a geo clause', { query: { geo_bounding_box: {} } }, 'clause-not-allowed', 'query.geo_bounding_box', 'never allowed'],
    ['fuzzy', { query: { fuzzy: { service: 'x' } } }, 'clause-not-allowed', 'query.fuzzy', 'never allowed'],
    ['an unknown clause', { query: { frobnicate: {} } }, 'clause-not-allowed', 'query.frobnicate', 'allowed: bool, match_all'],
    ['a script parameter in a match', { query: { match: { message: { query: 'x', script: 'y' } } } }, 'parameter-not-allowed', 'query.match.message.script', '"script" is not a parameter of match'],
    ['an unknown bool key', { query: { bool: { must: [], filter_not: [] } } }, 'parameter-not-allowed', 'query.bool.filter_not', 'not a parameter of bool'],
    ['match without query', { query: { match: { message: { operator: 'and' } } } }, 'invalid-value', 'query.match.message', 'exactly one of query'],
    ['a boost that is no number', { query: { term: { service: { value: 'a', boost: 'high' } } } }, 'invalid-value', 'query.term.service.boost', 'boost must be a number'],
    ['a terms lookup', { query: { terms: { service: { index: 'secrets', id: '1', path: 'x' } } } }, 'parameter-not-allowed', 'query.terms.service', 'terms lookup reads another index'],
    ['too many terms', { query: { terms: { status: Array.from({ length: 1025 }, (_, i) => i) } } }, 'too-many-values', 'query.terms.status', '1025 values, more than 1024'],
    ['too many ids', { query: { ids: { values: Array.from({ length: 1025 }, (_, i) => `${i}`) } } }, 'too-many-values', 'query.ids.values', 'more than 1024'],
    ['a range on @timestamp', { query: { bool: { filter: [{ range: { '@timestamp': { gte: 'now-30d' } } }] } } }, 'time-range', 'query.bool.filter[0].range.@timestamp', 'given as from/to'],
    ['a range parameter the gateway does not allow', { query: { range: { status: { gte: 1, script: 'x' } } } }, 'parameter-not-allowed', 'query.range.status.script', '"script"'],
    ['simple_query_string without query', { query: { simple_query_string: { fields: ['message'] } } }, 'invalid-value', 'query.simple_query_string.query', 'required'],
    ['simple_query_string on a stream with no text fields', { query: { simple_query_string: { query: 'x' } } }, 'invalid-value', 'query.simple_query_string.fields', 'no text or keyword fields to search', { ...DEFAULT_STREAM_SEARCH, fields: ['status'] }],
    // Clauses a stream must enable
    ['query_string where it is off', { query: { query_string: { query: 'x' } } }, 'clause-not-enabled', 'query.query_string', 'enable it with search.allow: ["query_string"] in the streams file'],
    ['wildcard where it is off', { query: { bool: { filter: [{ term: { ok: true } }, { wildcard: { 'host.name': 'h*' } }] } } }, 'clause-not-enabled', 'query.bool.filter[1].wildcard', 'search.allow: ["wildcard"]'],
    ['regexp where it is off', { query: { regexp: { service: 'a.*' } } }, 'clause-not-enabled', 'query.regexp', 'search.allow: ["regexp"]'],
    ['a regex in query_string where regexp is off', { query: { query_string: { query: 'service:/ap.*/' } } }, 'clause-not-enabled', 'query.query_string.query', 'search.allow: ["regexp"]', { ...DEFAULT_STREAM_SEARCH, allowQueryString: true }],
    // Leading wildcards
    ['a leading wildcard', { query: { bool: { filter: [{ term: { ok: true } }, { wildcard: { 'host.name': '*pi' } }] } } }, 'leading-wildcard', 'query.bool.filter[1].wildcard.host.name', 'a leading wildcard scans every term', ALL_ON],
    ['a leading ? in a wildcard value', { query: { wildcard: { service: { value: '?pi' } } } }, 'leading-wildcard', 'query.wildcard.service.value', 'leading wildcard', ALL_ON],
    ['a leading wildcard in query_string', { query: { query_string: { query: 'service:api AND message:*out' } } }, 'leading-wildcard', 'query.query_string.query', '"*out" starts with a wildcard', ALL_ON],
    ['a leading wildcard at the start of query_string', { query: { query_string: { query: '?imeout' } } }, 'leading-wildcard', 'query.query_string.query', 'leading wildcard', ALL_ON],
    ['allow_leading_wildcard: true', { query: { query_string: { query: 'x', allow_leading_wildcard: true } } }, 'leading-wildcard', 'query.query_string.allow_leading_wildcard', 'never allowed', ALL_ON],
    ['a regexp that does not start with a literal', { query: { regexp: { service: '.*api' } } }, 'leading-wildcard', 'query.regexp.service', 'does not start with a literal character', ALL_ON],
    ['a regexp alternative that does not start with a literal', { query: { regexp: { service: 'api|.*db' } } }, 'leading-wildcard', 'query.regexp.service', 'literal', ALL_ON],
    ['an optional first regexp character', { query: { regexp: { service: { value: 'a*pi' } } } }, 'leading-wildcard', 'query.regexp.service.value', 'literal', ALL_ON],
    ['a query_string regex that does not start with a literal', { query: { query_string: { query: 'service:/.*pi/' } } }, 'leading-wildcard', 'query.query_string.query', 'does not start with a literal', ALL_ON],
    // Fields inside query_string
    ['an unmapped field in query_string text', { query: { query_string: { query: 'service:api OR password:x' } } }, 'unknown-field', 'query.query_string.query', '"password"', ALL_ON],
    ['a wildcard field in query_string text', { query: { query_string: { query: 'host.*:h1' } } }, 'field-pattern', 'query.query_string.query', 'wildcards in field names', ALL_ON],
    ['_exists_ of an unmapped field', { query: { query_string: { query: '_exists_:secret' } } }, 'unknown-field', 'query.query_string.query', '"secret"', ALL_ON],
    ['default_field *', { query: { query_string: { query: 'x', default_field: '*' } } }, 'field-pattern', 'query.query_string.default_field', 'exact', ALL_ON],
    ['an unmapped query_string field', { query: { query_string: { query: 'x', fields: ['message', 'nope^2'] } } }, 'unknown-field', 'query.query_string.fields[1]', '"nope"', ALL_ON],
    ['a query_string parameter the gateway does not allow', { query: { query_string: { query: 'x', type: 'cross_fields' } } }, 'parameter-not-allowed', 'query.query_string.type', '"type"', ALL_ON],
    // Aggregations
    ['a terms aggregation over a text field', { aggs: { m: { terms: { field: 'message' } } } }, 'not-aggregatable', 'aggs.m.terms.field', 'field "message" is a text field: aggregate on a keyword, numeric, date or boolean field (e.g. message.keyword)'],
    ['an aggregation over an unmapped field', { aggs: { m: { max: { field: 'nope' } } } }, 'unknown-field', 'aggs.m.max.field', 'not mapped'],
    ['an aggregation without a field', { aggs: { m: { avg: {} } } }, 'invalid-value', 'aggs.m.avg.field', 'needs a field'],
    ['a script in an aggregation', { aggs: { m: { terms: { script: 'doc.x', size: 5 } } } }, 'parameter-not-allowed', 'aggs.m.terms.script', '"script"'],
    ['top_hits', { aggs: { t: { top_hits: {} } } }, 'aggregation-not-allowed', 'aggs.t.top_hits', '"top_hits" is not an aggregation the gateway allows'],
    ['scripted_metric under a terms', { aggs: { a: { terms: { field: 'service' }, aggs: { s: { scripted_metric: {} } } } } }, 'aggregation-not-allowed', 'aggs.a.aggs.s.scripted_metric', 'not an aggregation'],
    ['an aggregation with two types', { aggs: { a: { terms: { field: 'service' }, max: { field: 'status' } } } }, 'invalid-value', 'aggs.a', 'exactly one type'],
    ['an aggregation name with >', { aggs: { 'a>b': { max: { field: 'status' } } } }, 'invalid-value', 'aggs.a>b', 'no [, ] or >'],
    ['three levels of aggregations', { aggs: { a: { terms: { field: 'service' }, aggs: { b: { terms: { field: 'status' }, aggs: { c: { max: { field: 'status' } } } } } } } }, 'aggregation-depth', 'aggs.a.aggs.b.aggs', 'at most 2 levels'],
    ['a metric with sub-aggregations', { aggs: { a: { avg: { field: 'status' }, aggs: { b: { max: { field: 'status' } } } } } }, 'invalid-value', 'aggs.a.aggs', 'metric aggregation'],
    ['terms size over maxBuckets', { aggs: { a: { terms: { field: 'service', size: 1001 } } } }, 'max-buckets', 'aggs.a.terms.size', 'limit of 1000'],
    ['terms order by something that is not a sub-aggregation', { aggs: { a: { terms: { field: 'service', order: { nope: 'desc' } } } } }, 'invalid-value', 'aggs.a.terms.order.nope', 'sub-aggregation'],
    ['a histogram without hard_bounds', { aggs: { l: { histogram: { field: 'latency_ms', interval: 10 } } } }, 'max-buckets', 'aggs.l.histogram.hard_bounds', 'a histogram needs hard_bounds so its bucket count is known before it runs'],
    ['a histogram of too many buckets', { aggs: { l: { histogram: { field: 'latency_ms', interval: 0.1, hard_bounds: { min: 0, max: 1000 } } } } }, 'max-buckets', 'aggs.l', 'about 10001 buckets, more than this stream\'s limit of 1000'],
    ['a histogram on a keyword', { aggs: { l: { histogram: { field: 'service', interval: 1, hard_bounds: { min: 0, max: 1 } } } } }, 'invalid-value', 'aggs.l.histogram.field', 'needs a numeric field'],
    ['date_histogram 1m over 7 days', { from: 'now-7d', to: 'now', aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1m' } } } }, 'max-buckets', 'aggs.h', 'about 10081 buckets, more than this stream\'s limit of 1000'],
    ['date_histogram with both intervals', { aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h', calendar_interval: 'day' } } } }, 'invalid-value', 'aggs.h.date_histogram', 'exactly one of'],
    ['a calendar interval that is not one', { aggs: { h: { date_histogram: { field: '@timestamp', calendar_interval: '2d' } } } }, 'invalid-value', 'aggs.h.date_histogram.calendar_interval', 'calendar_interval is one of'],
    ['extended_bounds widening date_histogram past the cap', { aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h', extended_bounds: { min: 'now-60d', max: 'now' } } } } }, 'max-buckets', 'aggs.h', 'about 1441 buckets'],
    ['a range aggregation with 101 ranges', { aggs: { r: { range: { field: 'status', ranges: Array.from({ length: 101 }, (_, i) => ({ from: i })) } } } }, 'too-many-values', 'aggs.r.range.ranges', '101 ranges, more than 100'],
    ['21 percents', { aggs: { p: { percentiles: { field: 'status', percents: Array.from({ length: 21 }, (_, i) => i) } } } }, 'too-many-values', 'aggs.p.percentiles.percents', 'more than 20'],
    ['terms × date_histogram past the cap', { aggs: { s: { terms: { field: 'service', size: 100 }, aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } } } } }, 'max-buckets', 'aggs.s', 'about 2500 buckets'],
    ['aggregations that pass one by one but not together', { aggs: { a: { terms: { field: 'service', size: 600 } }, b: { terms: { field: 'host.name', size: 600 } } } }, 'max-buckets', 'aggs', 'about 1200 buckets together'],
    ['a sub-aggregation under aggregations', { aggregations: { a: { terms: { field: 'service' }, aggregations: { b: { top_hits: {} } } } } }, 'aggregation-not-allowed', 'aggregations.a.aggregations.b.top_hits', 'top_hits'],
    // The stream's fields list
    ['a field outside the fields list', { query: { term: { status: 200 } } }, 'field-not-allowed', 'query.term.status', 'field "status" is not one this stream lets searches use', { ...DEFAULT_STREAM_SEARCH, fields: ['service', 'message'] }],
    ['an unmapped field outside the fields list (not told apart)', { query: { term: { password: 'x' } } }, 'field-not-allowed', 'query.term.password', 'allowed: service, message', { ...DEFAULT_STREAM_SEARCH, fields: ['service', 'message'] }],
    ['a sort on a field outside the list', { sort: 'status' }, 'field-not-allowed', 'sort', '"status"', { ...DEFAULT_STREAM_SEARCH, fields: ['service', 'message'] }],
    ['an aggregation on a field outside the list', { aggs: { s: { max: { field: 'status' } } } }, 'field-not-allowed', 'aggs.s.max.field', '"status"', { ...DEFAULT_STREAM_SEARCH, fields: ['service', 'message'] }],
  ];

  it.each(cases)('%s', (_name, body, rule, path, phrase, config) => {
    expectRefusal(body, rule, path, phrase, config);
  });

  it('suggests .keyword only where the catalog has it', () => {
    expect(refused({ sort: 'message' }).detail).toContain('(e.g. message.keyword)');
    const noKeyword = catalogFromMappings({ properties: { body: { type: 'text' } } });
    const r = guardSearch({ aggs: { b: { terms: { field: 'body' } } } }, { config: DEFAULT_STREAM_SEARCH, catalog: noKeyword, now: NOW });
    expect(r).toEqual({ ok: false, refusal: { rule: 'not-aggregatable', path: 'aggs.b.terms.field', detail: 'field "body" is a text field: aggregate on a keyword, numeric, date or boolean field' } });
  });

  it('allows sub-fields of listed fields', () => {
    const only = { ...DEFAULT_STREAM_SEARCH, fields: ['service', 'message'] };
    expect(accepted({ query: { term: { 'message.keyword': 'x' } }, sort: ['message.keyword', '@timestamp'], aggs: { m: { terms: { field: 'message.keyword' } } } }, only).sort)
      .toEqual([{ 'message.keyword': { order: 'asc' } }, { '@timestamp': { order: 'asc' } }]);
  });

  it('refuses queries nested deeper than 20 levels', () => {
    let query: unknown = { match_all: {} };
    for (let i = 1; i < 20; i++) query = { bool: { must: query } };
    expect(guardSearch({ query }, ctx()).ok).toBe(true);
    query = { bool: { must: query } };
    expect(refused({ query })).toMatchObject({ rule: 'invalid-value', detail: 'queries nest at most 20 levels deep' });
  });

  it('does not let a refusal escape as an exception, and returns the exact refusal', () => {
    expect(guardSearch({ size: 'ten' }, ctx())).toEqual({ ok: false, refusal: { rule: 'invalid-value', path: 'size', detail: 'size must be a whole number, 0 or more' } });
    expect(guardSearch(null, ctx())).toEqual({ ok: false, refusal: { rule: 'invalid-body', path: '', detail: 'the search body must be a JSON object' } });
  });
});

describe('time window evaluation', () => {
  it.each([
    ['now', NOW], ['now-15m', NOW - 15 * 60_000], ['now-1d+2h-30s', NOW - DAY + 2 * HOUR - 30_000], ['now-1w', NOW - 7 * DAY],
    ['now-1M', NOW - 30 * DAY], ['now-1y', NOW - 365 * DAY], ['now-1d/d', Date.parse('2026-03-06T00:00:00Z')], ['now/h', Date.parse('2026-03-07T22:00:00Z')],
    ['now/m', Date.parse('2026-03-07T22:15:00Z')], ['now/s', Date.parse('2026-03-07T22:15:30Z')], ['now/w', Date.parse('2026-03-02T00:00:00Z')], // a Monday
    ['now/M', Date.parse('2026-03-01T00:00:00Z')], ['now/y', Date.parse('2026-01-01T00:00:00Z')],
  ])('evaluates %s at the given now', (value, ms) => {
    expect(evaluateDate(value, NOW)).toBe(ms);
  });

  it('rounds an upper bound up as Elasticsearch does for lte', () => {
    expect(evaluateDate('now/d', NOW, true)).toBe(Date.parse('2026-03-07T23:59:59.999Z'));
    expect(evaluateDate('now/M', NOW, true)).toBe(Date.parse('2026-03-31T23:59:59.999Z'));
    expect(evaluateDate('2026-03-07', NOW, true)).toBe(Date.parse('2026-03-07T23:59:59.999Z'));
    expect(evaluateDate('2026-03-07T10:15', NOW, true)).toBe(Date.parse('2026-03-07T10:15:59.999Z'));
    expect(evaluateDate('2026-03-07T10:15:00.5Z', NOW, true)).toBe(Date.parse('2026-03-07T10:15:00.500Z'));
  });

  it('reads ISO 8601 without an offset as UTC, and epoch milliseconds', () => {
    expect(evaluateDate('2026-03-07T10:15:00', NOW)).toBe(Date.parse('2026-03-07T10:15:00Z'));
    expect(evaluateDate('2026-03-07T10:15:00+01:00', NOW)).toBe(Date.parse('2026-03-07T09:15:00Z'));
    expect(evaluateDate(1772877600000, NOW)).toBe(1772877600000);
    expect(evaluateDate('1772877600000', NOW)).toBe(1772877600000);
    for (const bad of ['2024', '2026-02-30', '2026-03-07 10:00', 'now-1.5h', 'now-1d/d+1h', 'now-', 1.5, null, {}]) expect(evaluateDate(bad, NOW), String(bad)).toBeUndefined();
  });

  it('accepts a 7-day window and refuses 8 days, whatever the values look like', () => {
    expect(accepted({ from: 'now-7d', to: 'now' }).window).toEqual({ from: 'now-7d', to: 'now' });
    expect(accepted({ from: NOW - 7 * DAY, to: String(NOW) }).window).toEqual({ from: NOW - 7 * DAY, to: String(NOW) });
    expect(refused({ from: NOW - 7 * DAY - 1, to: NOW })).toEqual({ rule: 'window-too-wide', path: 'from', detail: 'the time range spans 7d 1ms, more than this stream\'s 7d: narrow from/to' });
    expect(refused({ from: 'now-7d/d', to: 'now' }).rule).toBe('window-too-wide');
    expect(formatDuration(8 * DAY)).toBe('8d');
    expect(formatDuration(90 * 60_000)).toBe('90m');
    expect(formatDuration(36 * HOUR + 1)).toBe('1d 12h 1ms');
    expect(formatDuration(8 * DAY - 1)).toBe('7d 23h 59m 59s 999ms');
    expect(formatDuration(1500)).toBe('1s 500ms');
    expect(formatDuration(0)).toBe('0ms');
  });
});
