// A stream's data stream and lifecycle settings in the streams file. Pure.
//
// { "dataStream": true,
//   "lifecycle": { "rollover": { "maxPrimaryShardSize": "50gb", "maxAge": "1d", "maxDocs": 10000000 },
//                  "warmAfterDays": 7, "deleteAfterDays": 30 } }
// or { "dataStream": true, "lifecycle": { "policy": "my-existing-ilm-policy" } }

export interface RolloverConditions {
  /** Elasticsearch byte size, e.g. "50gb". */
  maxPrimaryShardSize: string | undefined;
  /** Elasticsearch time value, e.g. "1d", "12h". */
  maxAge: string | undefined;
  maxDocs: number | undefined;
}

export type StreamLifecycle =
  | { kind: 'policy'; policy: string }
  | { kind: 'managed'; rollover: RolloverConditions; warmAfterDays: number | undefined; deleteAfterDays: number | undefined };

/** Rollover when no condition is given: Elasticsearch's own recommendation for data streams. */
export const DEFAULT_ROLLOVER: RolloverConditions = Object.freeze({ maxPrimaryShardSize: '50gb', maxAge: '30d', maxDocs: undefined });

const SIZE = /^\d+(b|kb|mb|gb|tb|pb)$/;
const AGE = /^\d+(ms|s|m|h|d)$/;
const POLICY_NAME = /^[a-z0-9][a-z0-9_.-]{0,254}$/i;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function days(value: unknown, where: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    problems.push(`${where} must be a whole number of days (at least 1)`);
    return undefined;
  }
  return value;
}

/** The lifecycle of a stream, or undefined when it has none; problems are added to `problems`. */
export function parseStreamLifecycle(raw: unknown, where: string, problems: string[]): StreamLifecycle | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    problems.push(`${where} must be an object`);
    return undefined;
  }
  const known = new Set(['policy', 'rollover', 'warmAfterDays', 'deleteAfterDays']);
  for (const k of Object.keys(raw)) if (!known.has(k)) problems.push(`${where}.${k} is not a lifecycle setting (policy, rollover, warmAfterDays, deleteAfterDays)`);
  if (raw.policy !== undefined) {
    if (typeof raw.policy !== 'string' || !POLICY_NAME.test(raw.policy)) problems.push(`${where}.policy must be the name of an index lifecycle policy`);
    if (Object.keys(raw).length > 1) problems.push(`${where}.policy names an existing policy: it excludes rollover, warmAfterDays and deleteAfterDays`);
    return typeof raw.policy === 'string' ? { kind: 'policy', policy: raw.policy } : undefined;
  }
  let rollover = DEFAULT_ROLLOVER;
  if (raw.rollover !== undefined) {
    if (!isObject(raw.rollover)) {
      problems.push(`${where}.rollover must be an object`);
    } else {
      const { maxPrimaryShardSize, maxAge, maxDocs } = raw.rollover;
      if (maxPrimaryShardSize !== undefined && (typeof maxPrimaryShardSize !== 'string' || !SIZE.test(maxPrimaryShardSize))) problems.push(`${where}.rollover.maxPrimaryShardSize must be a size such as "50gb"`);
      if (maxAge !== undefined && (typeof maxAge !== 'string' || !AGE.test(maxAge))) problems.push(`${where}.rollover.maxAge must be a time such as "1d" or "12h"`);
      if (maxDocs !== undefined && (typeof maxDocs !== 'number' || !Number.isSafeInteger(maxDocs) || maxDocs < 1)) problems.push(`${where}.rollover.maxDocs must be a whole number (at least 1)`);
      if (maxPrimaryShardSize === undefined && maxAge === undefined && maxDocs === undefined) problems.push(`${where}.rollover needs at least one of maxPrimaryShardSize, maxAge, maxDocs`);
      rollover = {
        maxPrimaryShardSize: typeof maxPrimaryShardSize === 'string' ? maxPrimaryShardSize : undefined,
        maxAge: typeof maxAge === 'string' ? maxAge : undefined,
        maxDocs: typeof maxDocs === 'number' ? maxDocs : undefined,
      };
    }
  }
  const warmAfterDays = days(raw.warmAfterDays, `${where}.warmAfterDays`, problems);
  const deleteAfterDays = days(raw.deleteAfterDays, `${where}.deleteAfterDays`, problems);
  if (warmAfterDays !== undefined && deleteAfterDays !== undefined && warmAfterDays >= deleteAfterDays) problems.push(`${where}.warmAfterDays must be less than deleteAfterDays`);
  return { kind: 'managed', rollover, warmAfterDays, deleteAfterDays };
}
