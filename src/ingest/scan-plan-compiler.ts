// Compiles a stream's schema into the fast path's scan plan (scan-plan-check.ts checks scanned
// events against it): the common subset of JSON Schema that can be checked on a scanned event's
// bytes (json-object-scanner.ts) without parsing it — an object whose properties have a type, an
// enum or const of plain values, string lengths, a pattern, a string format and number bounds, or
// are objects of the same kind (`properties`, `required`, `additionalProperties: false`, up to
// MAX_NESTED deep); `required`; `additionalProperties: false` — compiled once per stream into a
// plan. A schema with anything else (combinators, $ref, array items…) gets no plan, and its events
// always take JSON.parse and Ajv. The plan also knows the members the envelope reads
// (`@timestamp`, the id field).
import { MAX_NESTED } from './json-object-scanner.ts';
import { ANY_TYPE, nameIndex, PropertyRule, TYPE_BITS, type Plain, type ScanPlan } from './scan-plan-check.ts';

/** Keywords that never change a verdict (Ajv is not run with useDefaults). */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);
const OBJECT_KEYWORDS = new Set(['properties', 'required', 'additionalProperties']);
const ROOT_KEYWORDS = new Set([...ANNOTATIONS, ...OBJECT_KEYWORDS, '$schema', '$id', 'type']);
const PROPERTY_KEYWORDS = new Set([...ANNOTATIONS, ...OBJECT_KEYWORDS, 'type', 'enum', 'const', 'maxLength', 'minLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlain = (v: unknown): v is Plain => v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.isWellFormed());
/** Names Ajv's generated code would find on Object.prototype (`data.toString !== undefined`). */
const inherited = (name: string) => name in Object.prototype;

/** A stream's Ajv formats (`ajv.formats`: a RegExp, a function, an object with `validate`, or true). */
export type Formats = Readonly<Record<string, unknown>>;

/**
 * The check Ajv runs for a string with `format: name`, or undefined when the plan must not guess
 * (an unknown format, which Ajv ignores with a warning; a number or async format). `null`: Ajv
 * checks nothing (the format is `true`).
 */
function stringFormat(formats: Formats | undefined, name: unknown): ((s: string) => boolean) | null | undefined {
  if (formats === undefined || typeof name !== 'string' || !Object.hasOwn(formats, name)) return undefined;
  const def = formats[name];
  if (def === true) return null;
  // A RegExp or function is the check itself; an object's is its `validate`, called on it (as Ajv's code does).
  const byObject = isRecord(def) && !(def instanceof RegExp);
  if (byObject && (def.async === true || (def.type ?? 'string') !== 'string')) return undefined;
  const check = byObject ? def.validate : def;
  if (check instanceof RegExp) return (s) => check.test(s);
  if (typeof check === 'function') return (s) => Boolean((check as (s: string) => unknown).call(byObject ? def : undefined, s));
  return undefined;
}

function compileRule(schema: unknown, formats: Formats | undefined, depth: number): PropertyRule | undefined {
  const rule = new PropertyRule();
  if (typeof schema === 'boolean') {
    rule.never = !schema;
    return rule;
  }
  if (!isRecord(schema)) return undefined;
  for (const [keyword, value] of Object.entries(schema)) {
    if (!PROPERTY_KEYWORDS.has(keyword)) return undefined;
    if (ANNOTATIONS.has(keyword) || OBJECT_KEYWORDS.has(keyword)) continue;
    switch (keyword) {
      case 'type': {
        const names: unknown[] = Array.isArray(value) ? value : [value];
        if (names.length === 0) return undefined;
        rule.types = 0;
        for (const t of names) {
          if (typeof t !== 'string' || !Object.hasOwn(TYPE_BITS, t)) return undefined;
          rule.types |= TYPE_BITS[t] as number;
        }
        break;
      }
      case 'enum':
      case 'const': {
        const members: unknown = keyword === 'const' ? [value] : value;
        if (!Array.isArray(members) || !members.every(isPlain)) return undefined;
        // Both given: a value must be in each.
        rule.allowed = rule.hasAllowed ? rule.allowed.filter((m) => members.includes(m)) : members;
        rule.hasAllowed = true;
        break;
      }
      case 'pattern':
        if (typeof value !== 'string') return undefined; // ($data references are not plain)
        try {
          rule.pattern = new RegExp(value, 'u');
        } catch {
          return undefined; // Ajv refuses it too; the stream's own compile reports it
        }
        break;
      case 'format': {
        const check = stringFormat(formats, value);
        if (check === undefined) return undefined;
        rule.format = check;
        break;
      }
      case 'maxLength':
      case 'minLength':
        if (!Number.isSafeInteger(value) || (value as number) < 0) return undefined;
        rule[keyword] = value as number;
        rule.checksLength = true;
        break;
      default: // the four bounds
        if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
        rule[keyword as 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum'] = value;
        rule.readsNumber = true;
    }
  }
  rule.allowedStrings = rule.allowed.filter((m) => typeof m === 'string').map((m) => Buffer.from(m));
  if (rule.types !== ANY_TYPE || rule.hasAllowed) rule.readsNumber = true;
  // `properties`, `required` and `additionalProperties` apply to an object value (others pass them).
  if (Object.keys(schema).some((keyword) => OBJECT_KEYWORDS.has(keyword))) {
    // Objects nested deeper than MAX_NESTED (the event is depth 0) get no plan: they have no member table.
    const object = depth < MAX_NESTED ? objectKeywords(schema) : undefined;
    const plan = object && compilePlan(object, [], formats, depth + 1);
    if (plan === undefined) return undefined;
    rule.object = plan.plan;
  }
  return rule;
}

interface ObjectKeywords {
  properties: Record<string, unknown>;
  required: string[];
  closed: boolean;
}

/** An object schema's `properties`, `required` and `additionalProperties`, if the plan can take them. */
function objectKeywords(schema: Record<string, unknown>): ObjectKeywords | undefined {
  const out: ObjectKeywords = { properties: {}, required: [], closed: false };
  if (schema.properties !== undefined) {
    if (!isRecord(schema.properties)) return undefined;
    out.properties = schema.properties;
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || !schema.required.every((r) => typeof r === 'string')) return undefined;
    out.required = schema.required as string[];
  }
  if (schema.additionalProperties !== undefined) {
    if (typeof schema.additionalProperties !== 'boolean') return undefined;
    out.closed = !schema.additionalProperties;
  }
  return out;
}

/**
 * The plan for a stream whose events are checked against `schema` (undefined: no schema) and carry
 * their id in `idField`; undefined when the schema uses anything outside the subset. `formats`: the
 * stream's Ajv instance's (`ajv.formats`); without them a `format` keyword is outside the subset.
 */
export function compileScanPlan(schema: unknown, idField: string, formats?: Formats): ScanPlan | undefined {
  const idPath = idField.split('.');
  if (inherited(idField) || idPath.some(inherited) || !idField.isWellFormed()) return undefined;
  let object: ObjectKeywords | undefined = { properties: {}, required: [], closed: false };
  if (schema !== undefined && schema !== true) {
    if (!isRecord(schema)) return undefined;
    if (!Object.keys(schema).every((keyword) => ROOT_KEYWORDS.has(keyword))) return undefined;
    const type = schema.type;
    if (type !== undefined && type !== 'object' && !(Array.isArray(type) && type.length === 1 && type[0] === 'object')) return undefined;
    object = objectKeywords(schema);
    if (object === undefined) return undefined;
  }
  const envelopeNames = ['@timestamp', idField, ...(idPath.length > 1 ? [idPath[0] as string] : [])];
  const compiled = compilePlan(object, envelopeNames, formats, 0);
  if (compiled === undefined) return undefined;
  const { plan, slotOfName } = compiled;
  plan.timestampSlot = slotOfName.get('@timestamp') as number;
  plan.idSlot = slotOfName.get(idField) as number;
  plan.idHeadSlot = idPath.length > 1 ? slotOfName.get(idPath[0] as string) as number : -1;
  plan.idTail = idPath.slice(1).map((segment) => Buffer.from(segment));
  return plan;
}

/**
 * The plan for one object's members (`depth`: 0 for the event itself), knowing `extraNames` too;
 * undefined when a property's schema is outside the subset.
 */
function compilePlan(object: ObjectKeywords, extraNames: readonly string[], formats: Formats | undefined, depth: number): { plan: ScanPlan; slotOfName: Map<string, number> } | undefined {
  const slotOfName = new Map<string, number>();
  const rules: (PropertyRule | undefined)[] = [];
  const slot = (name: string): number => {
    let s = slotOfName.get(name);
    if (s === undefined) {
      s = rules.length;
      slotOfName.set(name, s);
      rules.push(undefined);
    }
    return s;
  };
  for (const [name, propertySchema] of Object.entries(object.properties)) {
    const rule = compileRule(propertySchema, formats, depth);
    if (rule === undefined || inherited(name) || !name.isWellFormed()) return undefined;
    rules[slot(name)] = rule;
  }
  const requiredSlots: number[] = [];
  for (const name of object.required) {
    if (inherited(name) || !name.isWellFormed()) return undefined;
    requiredSlots.push(slot(name));
  }
  for (const name of extraNames) slot(name);

  const { firstSlot, nextSlot, names, nameStart } = nameIndex([...slotOfName.keys()]);
  const slots = rules.length;
  const plan: ScanPlan = {
    firstSlot, nextSlot, names, nameStart, rules, requiredSlots, closed: object.closed, timestampSlot: -1, idSlot: -1, idHeadSlot: -1, idTail: [],
    depth, seenAt: new Int32Array(slots), seenIn: new Int32Array(slots), check: 0,
  };
  return { plan, slotOfName };
}
