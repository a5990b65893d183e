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
import { errors, Serializer } from '@elastic/elasticsearch';

export class PlainJsonSerializer extends Serializer {
  override deserialize<T = unknown>(json: string): T {
    try {
      return JSON.parse(json) as T;
    } catch (err) {
      // Same error type as the default serializer, so the transport reports it the same way.
      throw new errors.DeserializationError((err as Error).message, json);
    }
  }
}
