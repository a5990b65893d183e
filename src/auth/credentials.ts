// The API key a request presents in its Authorization header. On every route: `ApiKey <key>`
// or `Bearer <key>`. On the Elasticsearch-compatible routes also what Elasticsearch clients send:
// `Basic base64(name:key)` and `ApiKey base64(id:key)` (the id being the key's name), so a client
// keeps its usual settings. Pure.

/** The key presented, and the name it claims (Basic's user, ApiKey's id), if any. */
export interface Presented {
  key: string;
  claimedName?: string;
}

const KEY_PREFIX = 'esg_';

function decodedPair(encoded: string): [string, string] | undefined {
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon <= 0 ? undefined : [text.slice(0, colon), text.slice(colon + 1)];
}

/** The credentials of an Authorization header, or undefined when there are none this route takes. */
export function presentedKey(header: string | undefined, esForms: boolean): Presented | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (value === '') return undefined;
  if (scheme === 'bearer') return { key: value };
  if (scheme === 'apikey') {
    if (value.startsWith(KEY_PREFIX) || !esForms) return { key: value };
    const pair = decodedPair(value);
    return pair === undefined ? { key: value } : { key: pair[1], claimedName: pair[0] };
  }
  if (scheme === 'basic' && esForms) {
    const pair = decodedPair(value);
    return pair === undefined ? undefined : { key: pair[1], claimedName: pair[0] };
  }
  return undefined;
}
