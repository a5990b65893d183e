// Checks a search's `query` clause by clause against a stream's search settings; also holds the
// pieces every guard module shares (context, refusals, field and parameter checks). Pure.
import type { StreamSearchConfig } from '../config/stream-search.ts';
import { fieldAllowed, sortable, type FieldCatalog, type MappedField } from './field-catalog.ts';

export interface GuardContext {
  config: StreamSearchConfig;
  catalog: FieldCatalog;
  /** Epoch ms used to evaluate date math such as now-15m. */
  now: number;
}

/** Why a search was refused: the rule (a stable slug), where in the request, and a sentence for people. */
export interface Refusal { rule: string; path: string; detail: string }

/** Thrown by the guard modules, caught by guardSearch: a refusal deep in a query ends the whole check. */
export class GuardRefusal extends Error {
  readonly refusal: Refusal;
  constructor(rule: string, path: string, detail: string) {
    super(`${rule} at ${path}: ${detail}`);
    this.refusal = { rule, path, detail };
  }
}

export function refuse(rule: string, path: string, detail: string): never {
  throw new GuardRefusal(rule, path, detail);
}

export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
export const isScalar = (x: unknown): x is string | number | boolean => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
export const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** The path of `key` under `path`: `query.bool`, `sort[1]`. */
export const at = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

export function objectAt(path: string, value: unknown, what: string): Record<string, unknown> {
  if (!isObject(value)) refuse('invalid-value', path, `${what} takes an object`);
  return value;
}

/** A parameter's type: a test and how to say what it wants. */
export type ParamType = readonly [test: (v: unknown) => boolean, wants: string];
const NUMBER: ParamType = [(v) => typeof v === 'number' && Number.isFinite(v), 'a number'];
const COUNT: ParamType = [isCount, 'a whole number, 0 or more'];
const STRING: ParamType = [(v) => typeof v === 'string', 'a string'];
const BOOLEAN: ParamType = [(v) => typeof v === 'boolean', 'true or false'];
const STRING_OR_NUMBER: ParamType = [(v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)), 'a string or a number'];
const BOUND: ParamType = [(v) => v === null || isScalar(v), 'a string, a number or null'];
const oneOf = (...values: string[]): ParamType => [(v) => typeof v === 'string' && values.includes(v.toLowerCase()), `one of ${values.join(', ')}`];

const QUERY_PARAMS = new Map<string, ParamType>([
  ['boost', NUMBER], ['operator', oneOf('and', 'or')], ['default_operator', oneOf('and', 'or')],
  ['minimum_should_match', STRING_OR_NUMBER], ['fuzziness', STRING_OR_NUMBER], ['prefix_length', COUNT],
  ['max_expansions', COUNT], ['analyzer', STRING], ['lenient', BOOLEAN], ['zero_terms_query', oneOf('none', 'all')],
  ['auto_generate_synonyms_phrase_query', BOOLEAN], ['slop', COUNT], ['phrase_slop', COUNT], ['tie_breaker', NUMBER],
  ['type', oneOf('best_fields', 'most_fields', 'cross_fields', 'phrase', 'phrase_prefix', 'bool_prefix')],
  ['case_insensitive', BOOLEAN], ['rewrite', STRING], ['flags', STRING], ['analyze_wildcard', BOOLEAN],
  ['quote_field_suffix', STRING], ['fuzzy_max_expansions', COUNT], ['fuzzy_prefix_length', COUNT],
  ['fuzzy_transpositions', BOOLEAN], ['time_zone', STRING], ['format', STRING], ['relation', oneOf('intersects', 'contains', 'within')],
  ['max_determinized_states', COUNT], ['gte', BOUND], ['gt', BOUND], ['lte', BOUND], ['lt', BOUND], ['allow_leading_wildcard', BOOLEAN],
]);

/** Refuses a parameter not in `allowed` and one whose value `types` says is wrong; the rest is the caller's. */
export function checkParams(path: string, what: string, body: Record<string, unknown>, allowed: readonly string[], types: ReadonlyMap<string, ParamType> = QUERY_PARAMS): void {
  for (const [key, value] of Object.entries(body)) {
    if (!allowed.includes(key)) refuse('parameter-not-allowed', at(path, key), `"${key}" is not a parameter of ${what} that the gateway allows (allowed: ${allowed.join(', ')})`);
    const type = types.get(key);
    if (type !== undefined && !type[0](value)) refuse('invalid-value', at(path, key), `${key} must be ${type[1]}`);
  }
}

/** A field a query, sort or aggregation names: exact, allowed by the stream, mapped. */
export function checkField(ctx: GuardContext, path: string, name: unknown): MappedField {
  if (typeof name !== 'string') refuse('invalid-value', path, 'a field name is a string');
  if (name === '' || /[*?]/.test(name)) refuse('field-pattern', path, `field names are exact; wildcards in field names are not allowed (got "${name}")`);
  // Allowed before mapped: a field the stream hides must not be told apart from one that does not exist.
  if (!fieldAllowed(name, ctx.config.fields)) {
    refuse('field-not-allowed', path, `field "${name}" is not one this stream lets searches use (allowed: ${(ctx.config.fields ?? []).join(', ')} and their sub-fields)`);
  }
  const mapped = ctx.catalog.get(name);
  if (mapped === undefined) refuse('unknown-field', path, `field "${name}" is not mapped in this stream's mappings`);
  return mapped;
}

/** A field to sort or aggregate on: checkField, and doc values (not text). */
export function checkDocValueField(ctx: GuardContext, path: string, name: unknown, rule: 'not-sortable' | 'not-aggregatable'): string {
  const mapped = checkField(ctx, path, name);
  const field = name as string;
  if (!sortable(mapped)) {
    const keyword = `${field}.keyword`;
    const hint = ctx.catalog.has(keyword) && fieldAllowed(keyword, ctx.config.fields) ? ` (e.g. ${keyword})` : '';
    const what = mapped.kind === 'text' ? 'a text field' : `a field of type ${mapped.type}`;
    const verb = rule === 'not-sortable' ? 'sort' : 'aggregate';
    refuse(rule, path, `field "${field}" is ${what}: ${verb} on a keyword, numeric, date or boolean field${hint}`);
  }
  return field;
}

const MAX_QUERY_FIELDS = 100;

/**
 * The fields a query without its own field list searches: the stream's queryFields, else every
 * allowed text and keyword field of the catalog, sorted, the first 100. Empty when there are none.
 */
export function queryFieldsOf(ctx: Pick<GuardContext, 'config' | 'catalog'>): string[] {
  if (ctx.config.queryFields !== undefined) return [...ctx.config.queryFields];
  return [...ctx.catalog]
    .filter(([name, f]) => (f.kind === 'text' || f.kind === 'keyword') && fieldAllowed(name, ctx.config.fields))
    .map(([name]) => name)
    .sort()
    .slice(0, MAX_QUERY_FIELDS);
}

function defaultFields(ctx: GuardContext, path: string): string[] {
  const fields = queryFieldsOf(ctx);
  if (fields.length === 0) refuse('invalid-value', path, 'this stream has no text or keyword fields to search');
  return fields;
}

/** A list of fields such as multi_match's, each perhaps boosted (`message^2`). */
function checkFieldList(ctx: GuardContext, path: string, fields: unknown): void {
  if (!Array.isArray(fields) || fields.length === 0) refuse('invalid-value', path, 'fields takes a non-empty list of field names');
  fields.forEach((f, i) => checkField(ctx, at(path, i), typeof f === 'string' ? f.replace(/\^\d+(?:\.\d+)?$/, '') : f));
}

function requireParam(path: string, body: Record<string, unknown>, key: string, test: (v: unknown) => boolean, wants: string): void {
  if (!test(body[key])) refuse('invalid-value', at(path, key), `${key} is required and must be ${wants}`);
}

type Clause = Record<string, unknown>;
type ClauseGuard = (ctx: GuardContext, path: string, body: unknown, depth: number) => unknown;

/** The one field a field clause (`{ "term": { "service": "api" } }`) names, checked; `extra` are its other keys. */
function singleField(ctx: GuardContext, path: string, clause: string, body: unknown, extra: readonly string[] = []): { field: string; value: unknown; here: string } {
  const b = objectAt(path, body, clause);
  const fields = Object.keys(b).filter((k) => !extra.includes(k));
  if (fields.length !== 1) refuse('invalid-value', path, `${clause} names exactly one field (got ${fields.length === 0 ? 'none' : fields.join(', ')})`);
  const field = fields[0] as string;
  const here = at(path, field);
  checkField(ctx, here, field);
  checkParams(path, clause, Object.fromEntries(extra.filter((k) => Object.hasOwn(b, k)).map((k) => [k, b[k]])), extra);
  return { field, value: b[field], here };
}

/**
 * A clause of the form `{ field: short | { params } }`: the short form must pass `short`; the long
 * form has only `params` and one of `valueKeys` passing `short`. Returns the pattern's value and path.
 */
function fieldClause(ctx: GuardContext, path: string, clause: string, body: unknown, short: ParamType, params: readonly string[], valueKeys = ['value']): { value: unknown; path: string } {
  const { value, here } = singleField(ctx, path, clause, body);
  if (!isObject(value)) {
    if (!short[0](value)) refuse('invalid-value', here, `${clause} takes ${short[1]} or an object with ${valueKeys.join(' or ')}`);
    return { value, path: here };
  }
  checkParams(here, clause, value, params);
  const given = valueKeys.filter((k) => value[k] !== undefined);
  if (given.length !== 1) refuse('invalid-value', here, `${clause} needs exactly one of ${valueKeys.join(', ')}`);
  const key = given[0] as string;
  requireParam(here, value, key, short[0], short[1]);
  return { value: value[key], path: at(here, key) };
}

const SCALAR: ParamType = [isScalar, 'a string, number or boolean'];
const TEXT: ParamType = [(v) => typeof v === 'string', 'a string'];
const MAX_VALUES = 1024;
const MAX_DEPTH = 20;
const BOOL_OCCUR = ['must', 'filter', 'should', 'must_not'];

const notEnabled = (clause: string): string => `${clause} is off for this stream; enable it with search.allow: ["${clause}"] in the streams file`;
const leading = (pattern: string): string => `"${pattern}" starts with a wildcard; a leading wildcard scans every term of the field: start with at least one literal character`;

function guardBool(ctx: GuardContext, path: string, body: unknown, depth: number): Clause {
  const b = objectAt(path, body, 'bool');
  checkParams(path, 'bool', b, [...BOOL_OCCUR, 'minimum_should_match', 'boost']);
  return Object.fromEntries(Object.entries(b).map(([key, value]) => {
    if (!BOOL_OCCUR.includes(key)) return [key, value];
    const here = at(path, key);
    return [key, Array.isArray(value) ? value.map((c, i) => guardClause(ctx, at(here, i), c, depth + 1)) : guardClause(ctx, here, value, depth + 1)];
  }));
}

function guardQueryString(ctx: GuardContext, path: string, body: unknown): Clause {
  if (!ctx.config.allowQueryString) refuse('clause-not-enabled', path, notEnabled('query_string'));
  const b = objectAt(path, body, 'query_string');
  checkParams(path, 'query_string', b, ['query', 'default_field', 'fields', 'default_operator', 'analyzer', 'analyze_wildcard', 'lenient', 'minimum_should_match', 'phrase_slop', 'fuzziness', 'boost', 'time_zone', 'allow_leading_wildcard']);
  requireParam(path, b, 'query', TEXT[0], 'a string');
  if (b.allow_leading_wildcard === true) refuse('leading-wildcard', at(path, 'allow_leading_wildcard'), 'leading wildcards scan every term of a field and are never allowed through the gateway');
  if (b.default_field !== undefined) checkField(ctx, at(path, 'default_field'), b.default_field);
  if (b.fields !== undefined) checkFieldList(ctx, at(path, 'fields'), b.fields);
  const here = at(path, 'query');
  // Escapes, quoted phrases and [a TO b] ranges hold no syntax the checks below look for (a / in a date range is no regex).
  // The patterns close optionally and names start only at a token's start, so a long text costs linear time.
  let text = (b.query as string).replace(/\\./gs, 'x').replace(/"(?:[^"])*"?/g, '""').replace(/[[{][^\]}]*[\]}]?/g, '[]');
  for (const [regex, inner] of text.matchAll(/\/([^/]*)\//g)) {
    if (!ctx.config.allowRegexp) refuse('clause-not-enabled', here, `regular expressions (${regex}) in query_string are off for this stream; enable them with search.allow: ["regexp"] in the streams file, or escape a literal / as \\/`);
    if (!startsLiteral(inner as string)) refuse('leading-wildcard', here, `the regular expression ${regex} does not start with a literal character, so it scans every term of the field`);
  }
  text = text.replace(/\/[^/]*\//g, 'x');
  for (const [, field] of text.matchAll(/_exists_\s*:\s*([^\s()]*)/g)) checkField(ctx, here, field);
  for (const [, field] of text.matchAll(/(?<![\w.@*?-])([A-Za-z0-9_@*?][\w.@*?-]*)\s*:/g)) if (field !== '_exists_') checkField(ctx, here, field);
  const wildcard = /(^|[\s(:[{"'+\-!])([*?]\S*)/.exec(text);
  if (wildcard !== null) refuse('leading-wildcard', here, leading(wildcard[2] as string));
  const filled = b.default_field === undefined && b.fields === undefined ? { fields: defaultFields(ctx, at(path, 'fields')) } : {};
  return { ...b, ...filled, allow_leading_wildcard: false };
}

/** Whether every top-level alternative of a Lucene regular expression starts with a literal that is not optional. */
function startsLiteral(pattern: string): boolean {
  return pattern.split(/(?<!\\)\|/).every((branch) => /^(?:[A-Za-z0-9]|\\.)(?![*?]|\{0)/s.test(branch));
}

const CLAUSES = new Map<string, ClauseGuard>([
  ['bool', guardBool],
  ['match_all', (_ctx, path, body) => { checkParams(path, 'match_all', objectAt(path, body, 'match_all'), ['boost']); return body; }],
  ['match_none', (_ctx, path, body) => { checkParams(path, 'match_none', objectAt(path, body, 'match_none'), ['boost']); return body; }],
  ['match', (ctx, path, body) => {
    fieldClause(ctx, path, 'match', body, SCALAR, ['query', 'operator', 'minimum_should_match', 'fuzziness', 'prefix_length', 'max_expansions', 'analyzer', 'lenient', 'zero_terms_query', 'auto_generate_synonyms_phrase_query', 'boost'], ['query']);
    return body;
  }],
  ['match_phrase', (ctx, path, body) => { fieldClause(ctx, path, 'match_phrase', body, TEXT, ['query', 'slop', 'analyzer', 'zero_terms_query', 'boost'], ['query']); return body; }],
  ['multi_match', (ctx, path, body) => {
    const b = objectAt(path, body, 'multi_match');
    checkParams(path, 'multi_match', b, ['query', 'fields', 'type', 'operator', 'minimum_should_match', 'fuzziness', 'tie_breaker', 'analyzer', 'lenient', 'slop', 'boost', 'zero_terms_query']);
    requireParam(path, b, 'query', SCALAR[0], SCALAR[1]);
    if (b.fields === undefined) refuse('invalid-value', at(path, 'fields'), 'multi_match needs fields: without it Elasticsearch searches every field');
    checkFieldList(ctx, at(path, 'fields'), b.fields);
    return body;
  }],
  ['term', (ctx, path, body) => { fieldClause(ctx, path, 'term', body, SCALAR, ['value', 'boost', 'case_insensitive']); return body; }],
  ['terms', (ctx, path, body) => {
    const { value, here } = singleField(ctx, path, 'terms', body, ['boost']);
    if (isObject(value)) refuse('parameter-not-allowed', here, 'a terms lookup reads another index and is never allowed through the gateway: list the values instead');
    if (!Array.isArray(value) || !value.every(isScalar)) refuse('invalid-value', here, 'terms takes a list of strings, numbers or booleans');
    if (value.length > MAX_VALUES) refuse('too-many-values', here, `terms lists ${value.length} values, more than ${MAX_VALUES}`);
    return body;
  }],
  ['range', (ctx, path, body) => {
    const { field, value, here } = singleField(ctx, path, 'range', body);
    if (field === '@timestamp') refuse('time-range', here, 'the time range on @timestamp is given as from/to, not as a range clause');
    checkParams(here, 'range', objectAt(here, value, 'range on a field'), ['gte', 'gt', 'lte', 'lt', 'format', 'time_zone', 'relation', 'boost']);
    return body;
  }],
  ['exists', (ctx, path, body) => {
    const b = objectAt(path, body, 'exists');
    checkParams(path, 'exists', b, ['field', 'boost']);
    checkField(ctx, at(path, 'field'), b.field);
    return body;
  }],
  ['prefix', (ctx, path, body) => { fieldClause(ctx, path, 'prefix', body, TEXT, ['value', 'case_insensitive', 'rewrite', 'boost']); return body; }],
  ['ids', (_ctx, path, body) => {
    const b = objectAt(path, body, 'ids');
    checkParams(path, 'ids', b, ['values', 'boost']);
    requireParam(path, b, 'values', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'a list of strings');
    if ((b.values as string[]).length > MAX_VALUES) refuse('too-many-values', at(path, 'values'), `ids lists ${(b.values as string[]).length} values, more than ${MAX_VALUES}`);
    return body;
  }],
  ['simple_query_string', (ctx, path, body) => {
    const b = objectAt(path, body, 'simple_query_string');
    checkParams(path, 'simple_query_string', b, ['query', 'fields', 'default_operator', 'flags', 'analyze_wildcard', 'lenient', 'minimum_should_match', 'quote_field_suffix', 'auto_generate_synonyms_phrase_query', 'fuzzy_max_expansions', 'fuzzy_prefix_length', 'fuzzy_transpositions', 'analyzer', 'boost']);
    requireParam(path, b, 'query', TEXT[0], 'a string');
    if (b.fields !== undefined) { checkFieldList(ctx, at(path, 'fields'), b.fields); return body; }
    return { ...b, fields: defaultFields(ctx, at(path, 'fields')) };
  }],
  ['query_string', guardQueryString],
  ['wildcard', (ctx, path, body) => {
    if (!ctx.config.allowWildcard) refuse('clause-not-enabled', path, notEnabled('wildcard'));
    const pattern = fieldClause(ctx, path, 'wildcard', body, TEXT, ['value', 'wildcard', 'case_insensitive', 'rewrite', 'boost'], ['value', 'wildcard']);
    if (/^[*?]/.test(pattern.value as string)) refuse('leading-wildcard', pattern.path, leading(pattern.value as string));
    return body;
  }],
  ['regexp', (ctx, path, body) => {
    if (!ctx.config.allowRegexp) refuse('clause-not-enabled', path, notEnabled('regexp'));
    const pattern = fieldClause(ctx, path, 'regexp', body, TEXT, ['value', 'flags', 'case_insensitive', 'max_determinized_states', 'rewrite', 'boost']);
    if (!startsLiteral(pattern.value as string)) refuse('leading-wildcard', pattern.path, `the regular expression "${pattern.value as string}" does not start with a literal character (a letter, a digit or a \\ escape), so it scans every term of the field`);
    return body;
  }],
]);

const NEVER = new Set(['script', 'script_score', 'function_score', 'percolate', 'more_like_this', 'has_child', 'has_parent', 'parent_id', 'nested', 'geo_shape', 'shape', 'wrapper', 'distance_feature', 'pinned', 'rank_feature', 'terms_set', 'intervals', 'fuzzy', 'combined_fields', 'knn', 'semantic', 'sparse_vector', 'text_expansion', 'rule', 'constant_score', 'dis_max', 'boosting']);

function guardClause(ctx: GuardContext, path: string, clause: unknown, depth: number): Clause {
  if (!isObject(clause)) refuse('invalid-value', path, 'a query clause is an object such as {"match": {"message": "timeout"}}');
  const keys = Object.keys(clause);
  if (keys.length !== 1) refuse('invalid-value', path, `a query clause has exactly one key, its type (got ${keys.length === 0 ? 'none' : keys.join(', ')})`);
  const type = keys[0] as string;
  const here = at(path, type);
  if (NEVER.has(type) || type.startsWith('span_') || type.startsWith('geo_')) refuse('clause-not-allowed', here, `${type} queries are never allowed through the gateway`);
  const guard = CLAUSES.get(type);
  if (guard === undefined) refuse('clause-not-allowed', here, `"${type}" is not a query clause the gateway allows (allowed: ${[...CLAUSES.keys()].join(', ')})`);
  if (depth > MAX_DEPTH) refuse('invalid-value', path, `queries nest at most ${MAX_DEPTH} levels deep`);
  return { [type]: guard(ctx, here, clause[type], depth) };
}

/** Checks a search's `query` (at `path`); returns it as given, but for the fields the guard fills in. */
export function guardQuery(ctx: GuardContext, path: string, query: unknown): Clause {
  return guardClause(ctx, path, query, 1);
}
