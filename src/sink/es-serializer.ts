// The Elasticsearch client's serializer, with responses read by plain `JSON.parse`.
//
// The default serializer parses with secure-json-parse, which guards against prototype
// poisoning: a `"__proto__"` or `"constructor"` key in untrusted JSON that, once the parsed
// object is merged into another with a naive deep merge or `Object.assign`, changes the
// prototype of everything. That guard is not needed here: the only JSON this client reads
// comes from our own Elasticsearch cluster (bulk item statuses, cluster health, template
// answers), and the gateway never merges a response object into anything — it reads fields
// (`items[i].create.status`, `status`, …) and drops the object. (`JSON.parse` itself only
// makes an own property named "__proto__"; it never sets a prototype.)
//
// Measured: with the 8.19 client the guard is already off by default (its
// `enablePrototypePoisoningProtection` defaults to false, and secure-json-parse then returns
// right after `JSON.parse`), so the two parse at the same speed; the 4.5% of the profile under
// secure-json-parse was `JSON.parse` itself. Being explicit keeps it so if a client upgrade
// turned the scan on.
//
// What does cost is the parse: ~0.9 ms for a 5,000-item response, ~0.19 us per event. Nearly
// every bulk response is the one shape "all created" (the bulk sink's filter_path leaves only
// statuses, and every action is a create), so that shape is recognised by one string
// comparison (~10 us) and answered with the value JSON.parse would have built — its items
// share one frozen object. Anything else is parsed.
import { errors, Serializer } from '@elastic/elasticsearch';

const ALL_CREATED_HEAD = '{"errors":false,"items":[';
const CREATED_ITEM = '{"create":{"status":201}}';
const CREATED: { readonly create: { readonly status: 201 } } = Object.freeze({ create: Object.freeze({ status: 201 }) });

/** `CREATED_ITEM,` repeated, grown to the longest all-created response seen; sliced, never copied. */
let createdItems = '';

/** The items of `{"errors":false,"items":[<CREATED_ITEM>,…]}` if `json` is exactly that, else undefined. */
export function allCreatedItems(json: string): (typeof CREATED)[] | undefined {
  if (!json.startsWith(ALL_CREATED_HEAD) || !json.endsWith(']}')) return undefined;
  const itemsLength = json.length - ALL_CREATED_HEAD.length - 2;
  const n = (itemsLength + 1) / (CREATED_ITEM.length + 1);
  if (!Number.isInteger(n) || n < 1) return undefined;
  if (createdItems.length < itemsLength) createdItems = `${CREATED_ITEM},`.repeat(n);
  if (json.slice(ALL_CREATED_HEAD.length, ALL_CREATED_HEAD.length + itemsLength) !== createdItems.slice(0, itemsLength)) return undefined;
  return new Array<typeof CREATED>(n).fill(CREATED);
}

export class PlainJsonSerializer extends Serializer {
  override deserialize<T = unknown>(json: string): T {
    const created = allCreatedItems(json);
    if (created !== undefined) return { errors: false, items: created } as T;
    try {
      return JSON.parse(json) as T;
    } catch (err) {
      // Same error type as the default serializer, so the transport reports it the same way.
      throw new errors.DeserializationError((err as Error).message, json);
    }
  }
}
