// Elasticsearch's rules for the name of an index (or data stream) a bulk item writes to, so the
// gateway can answer a bad `_index` the way Elasticsearch does: per item, status 400,
// invalid_index_name_exception, in Elasticsearch's words and in its order of checks. Pure.

const MAX_INDEX_NAME_BYTES = 255;

/** Elasticsearch's Strings.INVALID_FILENAME_CHARS, printed as Java prints the set. */
const INVALID_CHARS = ' "*,/<>?\\|';
const INVALID_CHARS_TEXT = `[${[...INVALID_CHARS].map((c) => `'${c}'`).join(',')}]`;

/**
 * Why Elasticsearch would refuse `name` as an index (or data stream) to write to: its error type
 * and reason exactly as ES words them; undefined when valid.
 *
 * Two cases are left to Elasticsearch, which knows more than a pure function can:
 * - a date-math expression (`<logs-{now/d}>`) is checked only after ES resolves it;
 * - "must be lowercase" is only an error when no alias of that name exists (an alias may have
 *   capitals, and writing through it succeeds), so callers that can see aliases should ask ES.
 * ES adds `index_uuid: "_na_"` and `index: <name>` to the item's error object.
 */
export function indexNameProblem(name: string): { type: string; reason: string } | undefined {
  if (name.length > 1 && name.startsWith('<') && name.endsWith('>')) return undefined;
  const why = problem(name);
  return why === undefined
    ? undefined
    : { type: 'invalid_index_name_exception', reason: `Invalid index name [${name}], ${why}` };
}

function problem(name: string): string | undefined {
  for (const c of INVALID_CHARS) {
    if (name.includes(c)) return `must not contain the following characters ${INVALID_CHARS_TEXT}`;
  }
  if (name.length === 0) return 'must not be empty';
  if (name.includes('#')) return "must not contain '#'";
  if (name.includes(':')) return "must not contain ':'";
  const first = name[0];
  if (first === '_' || first === '-' || first === '+') return "must not start with '_', '-', or '+'";
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_INDEX_NAME_BYTES) return `index name is too long, (${bytes} > ${MAX_INDEX_NAME_BYTES})`;
  if (name === '.' || name === '..') return "must not be '.' or '..'";
  if (name.toLowerCase() !== name) return 'must be lowercase';
  return undefined;
}
