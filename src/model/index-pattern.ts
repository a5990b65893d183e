// Index patterns such as "events-{stream}-{yyyy.MM.dd}": the grammar that configuration checks,
// routing fills in and index templates match. Pure.

const INVALID_INDEX_CHARS = /[\\/*?"<>|\s,#:A-Z]/;
const DATE_TOKEN = /^[yMdH._-]+$/;

/** Checks a pattern; returns a problem or undefined. */
export function checkIndexPattern(pattern: string): string | undefined {
  const literal = pattern.replace(/\{[^}]*\}/g, (token) => (token === '{stream}' || DATE_TOKEN.test(token.slice(1, -1)) ? 'x' : '\u0000'));
  if (literal.includes('\u0000')) return `index pattern "${pattern}" has an unknown {token}`;
  if (INVALID_INDEX_CHARS.test(literal)) return `index pattern "${pattern}" would make an invalid index name (lowercase, no spaces or \\/*?"<>|,#:)`;
  if (/^[-_+.]/.test(literal)) return `index pattern "${pattern}" must not start with -, _, + or .`;
  return undefined;
}

/** The index pattern with every date token replaced by `*`, for index templates. */
export function indexPatternGlob(pattern: string, stream: string): string {
  return pattern.replace(/\{([^}]*)\}/g, (_m, token: string) => (token === 'stream' ? stream : '*'));
}

/** Whether the pattern names one index (no date token): `{stream}` alone does not count. */
export function isFixedName(pattern: string): boolean {
  return !/\{(?!stream\})[^}]*\}/.test(pattern);
}

/**
 * The data stream name a pattern gives when its date tokens are dropped, with the separator in
 * front of each: "events-{stream}-{yyyy.MM.dd}" → "events-{stream}".
 */
export function withoutDateTokens(pattern: string): string {
  return pattern.replace(/[-_.]?\{(?!stream\})[^}]*\}/g, '');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The names a pattern makes for a stream, exactly: the glob `events-app-*` also matches stream
 * `app-eu`'s `events-app-eu-2026.01.02`, which this does not (a date token's letters are digits).
 */
export function indexPatternRegExp(pattern: string, stream: string): RegExp {
  const source = pattern.split(/(\{[^}]*\})/).map((part) => {
    if (part === '{stream}') return escapeRegExp(stream);
    if (part.startsWith('{')) return part.slice(1, -1).split('').map((c) => (/[yMdH]/.test(c) ? '\\d' : escapeRegExp(c))).join('');
    return escapeRegExp(part);
  }).join('');
  return new RegExp(`^${source}$`);
}
