// Everything the ingest stages need to know about one stream, compiled once: its router, its
// schema validator (Ajv, compiled once per schema), and how ids are read or made.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigError, type EventLimits, type GatewayConfig } from '../config/config.ts';
import { SETTINGS } from '../config/settings.ts';
import { compileRouter, type IndexRouter } from './routing.ts';
import { createIdGenerator, type IdGenerator } from './ids.ts';
import { STREAM_NAME } from '../config/streams.ts';
import { useFastStringLength } from './string-length-keywords.ts';
import { compileScanPlan, type Formats } from './scan-plan-compiler.ts';
import type { ScanPlan } from './scan-plan-check.ts';

export interface StreamContext {
  stream: string;
  route: IndexRouter;
  validate: ValidateFunction | undefined;
  /** How events are checked without parsing them, or undefined when the schema needs Ajv for all. */
  scanPlan: ScanPlan | undefined;
  idField: string;
  idPath: readonly string[];
  newId: IdGenerator;
  now: () => number;
  /** Depth, fields and string length one event may have. */
  limits: EventLimits;
}

export interface StreamRegistry {
  /** The stream's context; undefined when the name is invalid or unknown streams are refused. */
  get(name: string): StreamContext | undefined;
}

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The part of the configuration the stream registry reads (a framing worker gets only this). */
export type StreamRegistryConfig = Pick<GatewayConfig, 'streams' | 'idField' | 'defaultIndexPattern' | 'unknownStreams'> & { limits?: EventLimits };

/** The event limits' defaults (settings.ts), for registries made without a configuration's. */
function defaultEventLimits(): EventLimits {
  const byName = (env: string) => Number(SETTINGS.find((s) => s.env === env)?.default);
  return { maxEventDepth: byName('GATEWAY_MAX_EVENT_DEPTH'), maxEventFields: byName('GATEWAY_MAX_EVENT_FIELDS'), maxStringBytes: byName('GATEWAY_MAX_STRING_BYTES') };
}

export function createStreamRegistry(config: StreamRegistryConfig, now: () => number = Date.now): StreamRegistry {
  const ajv = useFastStringLength(new Ajv({ allErrors: false, strict: false }));
  addFormats(ajv);
  const newId = createIdGenerator(now);
  const idPath = config.idField.split('.');
  const schemaless = compileScanPlan(undefined, config.idField);
  const given = config.limits ?? defaultEventLimits();
  // Only the three numbers: the whole IngestLimits may be what was passed.
  const limits: EventLimits = { maxEventDepth: given.maxEventDepth, maxEventFields: given.maxEventFields, maxStringBytes: given.maxStringBytes };
  const make = (stream: string, pattern: string, validate: ValidateFunction | undefined, scanPlan: ScanPlan | undefined): StreamContext => ({
    stream,
    route: compileRouter(pattern, stream),
    validate,
    scanPlan,
    idField: config.idField,
    idPath,
    newId,
    now,
    limits,
  });
  const configured = new Map<string, StreamContext>();
  const problems: string[] = [];
  for (const s of config.streams.values()) {
    let validate: ValidateFunction | undefined;
    try {
      validate = s.schema === undefined ? undefined : ajv.compile(s.schema);
    } catch (err) {
      problems.push(`streams.${s.name}.schema: ${(err as Error).message}`);
    }
    const scanPlan = s.schema === undefined ? schemaless : compileScanPlan(s.schema, config.idField, ajv.formats as Formats);
    configured.set(s.name, make(s.name, s.index ?? config.defaultIndexPattern, validate, scanPlan));
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const unknown = new Map<string, StreamContext>();
  return {
    get(name) {
      const known = configured.get(name) ?? unknown.get(name);
      if (known !== undefined) return known;
      if (config.unknownStreams === 'reject' || !STREAM_NAME.test(name)) return undefined;
      if (unknown.size >= 10_000) unknown.clear(); // bounded: made-up names cannot grow memory forever
      const ctx = make(name, config.defaultIndexPattern, undefined, schemaless);
      unknown.set(name, ctx);
      return ctx;
    },
  };
}
