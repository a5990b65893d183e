// One typed, validated configuration built from environment variables and an optional
// stream file. Pure: the caller passes the environment and the parsed file (and a reader for
// secrets given as files).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { SETTINGS, type SettingName, type SettingSpec } from './settings.ts';
import { parseStreams, type StreamConfig } from './streams.ts';
import { checkIndexPattern, isFixedName, withoutDateTokens } from '../model/index-pattern.ts';

export interface ElasticsearchConfig {
  /** Node URLs (ES_URL); empty when cloudId is set. */
  nodes: string[];
  cloudId: string | undefined;
  username: string | undefined;
  password: string | undefined;
  apiKey: string | undefined;
  bearerToken: string | undefined;
  /** Path of a PEM CA file, read when the client is made. */
  caFile: string | undefined;
  caFingerprint: string | undefined;
  tlsRejectUnauthorized: boolean;
  sniff: boolean;
  connectionClass: 'http' | 'undici';
  requestTimeoutMs: number;
  /** Bulk bodies gzipped on the way to Elasticsearch. */
  compression: 'none' | 'gzip';
}

/** Limits on one event's shape, checked while it is scanned (envelope.ts). */
export interface EventLimits {
  maxEventDepth: number;
  maxEventFields: number;
  maxStringBytes: number;
}

export interface IngestLimits extends EventLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  maxDecompressionRatio: number;
  /** A body must have arrived this long after its headers (GATEWAY_REQUEST_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  maxLineBytes: number;
  maxEventsPerRequest: number;
  maxReportedErrors: number;
  intakeMaxBytes: number;
  intakeMaxWaitMs: number;
}

export interface FramingConfig {
  /** Framing worker threads; 'auto' = one per core, 0 = frame on the main thread. */
  workers: number | 'auto';
  minWorkerBytes: number;
  workerIdleMs: number;
}

export interface PipelineConfig {
  queueMaxBytes: number;
  queueHighWaterBytes: number;
  batchMaxDocs: number;
  batchMaxBytes: number;
  batchMaxAgeMs: number;
  maxInFlight: number;
  retryMaxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  deadLetterIndex: string;
}

export interface SpoolConfig {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsync: 'always' | 'interval' | 'never';
  fsyncIntervalMs: number;
}

export interface BreakerConfig {
  errorPercent: number;
  windowMs: number;
  minRequests: number;
  resetMs: number;
}

export interface EsApiConfig {
  /** Index patterns the Elasticsearch-compatible API may write (`-pattern` excludes). */
  indices: string[];
  pipelines: string[];
  ack: 'indexed' | 'accepted';
}

export interface SearchConfig {
  cacheMaxBytes: number;
  timeoutMs: number;
  maxInFlight: number;
  breaker: BreakerConfig;
}

/** The gateway's own listener: timeouts for slow clients, optional TLS, log redaction. */
export interface ServerConfig {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  socketTimeoutMs: number;
  /** undefined: plain HTTP. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Extra pino redact paths (GATEWAY_LOG_REDACT). */
  logRedact: string[];
}

export interface GovernanceConfig {
  /** `auto`: on a cluster with neither ILM nor data stream lifecycle, the gateway rolls data streams over and deletes old backing indices itself. */
  lifecycleFallback: 'auto' | 'off';
  lifecycleIntervalMs: number;
  fieldWatchIntervalMs: number;
  /** Index of the mapping changes' audit trail. */
  auditIndex: string;
}

export interface GatewayConfig {
  host: string;
  port: number;
  logLevel: string;
  server: ServerConfig;
  elasticsearch: ElasticsearchConfig;
  unknownStreams: 'accept' | 'reject';
  defaultIndexPattern: string;
  idField: string;
  limits: IngestLimits;
  ackTimeoutMs: number;
  framing: FramingConfig;
  pipeline: PipelineConfig;
  shutdownTimeoutMs: number;
  durability: 'memory' | 'durable';
  /** undefined when GATEWAY_SPOOL_DIR is empty. */
  spool: SpoolConfig | undefined;
  replayStartEventsPerSec: number;
  spillAfterMs: number;
  breaker: BreakerConfig;
  installTemplates: boolean;
  search: SearchConfig;
  esApi: EsApiConfig;
  auth: AuthConfig;
  streams: ReadonlyMap<string, StreamConfig>;
  governance: GovernanceConfig;
}

export interface AuthConfig {
  enabled: boolean;
  keysFile: string | undefined;
  keysPollMs: number;
  /** Addresses that may read the ops routes without a key (IPs or CIDR blocks). */
  opsAllow: string[];
  rateLimit: { max: number; windowMs: number; redisUrl: string | undefined; redisFailure: 'open' | 'closed' };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function readSetting(spec: SettingSpec, env: Env, problems: string[]): string | number | boolean | undefined {
  const given = env[spec.env];
  if (given === '' && spec.emptyDisables === true) return undefined;
  const raw = given === undefined || given === '' ? spec.default : given;
  if (raw === undefined) return undefined;
  switch (spec.type) {
    case 'int': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) { problems.push(`${spec.env} must be a whole number, got "${raw}"`); return undefined; }
      if (spec.min !== undefined && n < spec.min) { problems.push(`${spec.env} must be at least ${spec.min}, got ${n}`); return undefined; }
      return n;
    }
    case 'bool':
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      problems.push(`${spec.env} must be true or false, got "${raw}"`);
      return undefined;
    case 'enum':
      if (!spec.values?.includes(raw)) { problems.push(`${spec.env} must be one of ${spec.values?.join(', ')}, got "${raw}"`); return undefined; }
      return raw;
    default:
      return raw;
  }
}

/** The node URLs of ES_URL (comma-separated), each checked; trailing slashes dropped. */
function parseNodes(list: string, problems: string[]): string[] {
  const nodes = list.split(',').map((u) => u.trim()).filter((u) => u !== '');
  if (nodes.length === 0) problems.push('ES_URL must name at least one node');
  return nodes.map((u) => {
    let url: URL;
    try { url = new URL(u); } catch { problems.push(`ES_URL: "${u}" is not a URL`); return u; }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`ES_URL: "${url.origin}" must be http:// or https://`);
    return u.replace(/\/+$/, '');
  });
}

/** Secrets that may come from a file (ES_PASSWORD_FILE …): the file's text, without its trailing newline. */
const SECRET_FILES = ['ES_PASSWORD', 'ES_API_KEY', 'ES_BEARER_TOKEN'] as const;

function withSecretFiles(env: Env, readFile: (path: string) => string, problems: string[]): Env {
  const out: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_FILES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') { problems.push(`${name} and ${name}_FILE exclude each other`); continue; }
    try {
      out[name] = readFile(file).replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${name}_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return out;
}

/**
 * Builds the configuration; throws ConfigError listing every problem at once. Pure but for
 * `readFile`, which reads the *_FILE secrets.
 */
export function loadConfig(given: Env, streamFile?: unknown, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): GatewayConfig {
  const problems: string[] = [];
  const env = withSecretFiles(given, readFile, problems);
  const v = new Map<SettingName, string | number | boolean | undefined>();
  for (const spec of SETTINGS) v.set(spec.env, readSetting(spec, env, problems));
  const int = (k: SettingName) => v.get(k) as number;
  const str = (k: SettingName) => v.get(k) as string;
  const opt = (k: SettingName) => v.get(k) as string | undefined;
  const list = (k: SettingName) => (opt(k) ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');

  const streams = streamFile === undefined ? new Map<string, StreamConfig>() : parseStreams(streamFile, problems);
  const pattern = str('GATEWAY_INDEX_PATTERN');
  if (pattern !== undefined) {
    if (!pattern.includes('{stream}')) problems.push('GATEWAY_INDEX_PATTERN must contain {stream}');
    const p = checkIndexPattern(pattern);
    if (p !== undefined) problems.push(`GATEWAY_INDEX_PATTERN: ${p}`);
  }
  for (const s of streams.values()) {
    const p = s.index === undefined ? undefined : checkIndexPattern(s.index);
    if (p !== undefined) problems.push(`streams.${s.name}.index: ${p}`);
    if (s.dataStream && pattern !== undefined) {
      // A data stream is one name: its backing indices carry the dates.
      if (s.index !== undefined && !isFixedName(s.index)) problems.push(`streams.${s.name}.index: a data stream's name has no date tokens (its backing indices carry the dates), got "${s.index}"`);
      s.index ??= withoutDateTokens(pattern);
    }
  }
  const auditIndex = str('GATEWAY_MAPPING_AUDIT_INDEX');
  if (auditIndex !== undefined && checkIndexPattern(auditIndex) !== undefined) problems.push(`GATEWAY_MAPPING_AUDIT_INDEX: ${checkIndexPattern(auditIndex)}`);
  const dlq = str('GATEWAY_DEAD_LETTER_INDEX');
  if (dlq !== undefined && checkIndexPattern(dlq) !== undefined) problems.push(`GATEWAY_DEAD_LETTER_INDEX: ${checkIndexPattern(dlq)}`);
  if (int('GATEWAY_QUEUE_HIGH_WATER_BYTES') > int('GATEWAY_QUEUE_MAX_BYTES')) problems.push('GATEWAY_QUEUE_HIGH_WATER_BYTES must not exceed GATEWAY_QUEUE_MAX_BYTES');
  if (int('GATEWAY_MAX_LINE_BYTES') > int('GATEWAY_MAX_DECOMPRESSED_BYTES')) problems.push('GATEWAY_MAX_LINE_BYTES must not exceed GATEWAY_MAX_DECOMPRESSED_BYTES');
  if (str('GATEWAY_DURABILITY') === 'durable' && opt('GATEWAY_SPOOL_DIR') === undefined) problems.push('GATEWAY_DURABILITY=durable needs GATEWAY_SPOOL_DIR');
  for (const a of list('GATEWAY_OPS_ALLOW')) {
    const [ip = '', bits] = a.split('/');
    const max = isIP(ip) === 6 ? 128 : 32;
    if (isIP(ip) === 0 || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) problems.push(`GATEWAY_OPS_ALLOW: "${a}" is not an IP address or CIDR block`);
  }
  const workers = str('GATEWAY_WORKERS');
  if (workers !== undefined && workers !== 'auto' && !/^\d{1,3}$/.test(workers)) problems.push(`GATEWAY_WORKERS must be auto or a whole number (0-999), got "${workers}"`);
  if ((opt('ES_USERNAME') === undefined) !== (opt('ES_PASSWORD') === undefined)) problems.push('ES_USERNAME and ES_PASSWORD go together');
  const credentials = [opt('ES_API_KEY') && 'ES_API_KEY', opt('ES_BEARER_TOKEN') && 'ES_BEARER_TOKEN', opt('ES_USERNAME') && 'ES_USERNAME/ES_PASSWORD'].filter(Boolean);
  if (credentials.length > 1) problems.push(`set one kind of Elasticsearch credentials, not ${credentials.join(' and ')}`);
  const cloudId = opt('ES_CLOUD_ID');
  if (cloudId !== undefined && env.ES_URL !== undefined && env.ES_URL !== '') problems.push('ES_URL and ES_CLOUD_ID exclude each other');
  const nodes = cloudId === undefined ? parseNodes(str('ES_URL'), problems) : [];
  const caFingerprint = opt('ES_CA_FINGERPRINT');
  if (caFingerprint !== undefined && !/^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i.test(caFingerprint)) problems.push('ES_CA_FINGERPRINT must be a SHA-256 fingerprint: 64 hex digits, colons optional');
  if (caFingerprint !== undefined && nodes.some((u) => u.startsWith('http:'))) problems.push('ES_CA_FINGERPRINT needs https:// nodes in ES_URL');
  if (int('GATEWAY_HEADERS_TIMEOUT_MS') > int('GATEWAY_REQUEST_TIMEOUT_MS')) problems.push('GATEWAY_HEADERS_TIMEOUT_MS must not exceed GATEWAY_REQUEST_TIMEOUT_MS');
  const socketTimeout = int('GATEWAY_SOCKET_TIMEOUT_MS');
  if (socketTimeout !== 0 && socketTimeout <= Math.max(int('GATEWAY_ACK_TIMEOUT_MS'), int('GATEWAY_SEARCH_TIMEOUT_MS'))) problems.push('GATEWAY_SOCKET_TIMEOUT_MS must be 0 or longer than GATEWAY_ACK_TIMEOUT_MS and GATEWAY_SEARCH_TIMEOUT_MS (a request waiting for Elasticsearch is silent)');
  const certFile = opt('GATEWAY_TLS_CERT_FILE');
  const keyFile = opt('GATEWAY_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) problems.push('GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE go together');
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    host: str('HOST'),
    port: int('PORT'),
    logLevel: str('LOG_LEVEL'),
    server: {
      headersTimeoutMs: int('GATEWAY_HEADERS_TIMEOUT_MS'),
      requestTimeoutMs: int('GATEWAY_REQUEST_TIMEOUT_MS'),
      keepAliveTimeoutMs: int('GATEWAY_KEEP_ALIVE_TIMEOUT_MS'),
      socketTimeoutMs: socketTimeout,
      tls: certFile === undefined || keyFile === undefined ? undefined : { certFile, keyFile },
      logRedact: list('GATEWAY_LOG_REDACT'),
    },
    elasticsearch: {
      nodes,
      cloudId,
      username: opt('ES_USERNAME'),
      password: opt('ES_PASSWORD'),
      apiKey: opt('ES_API_KEY'),
      bearerToken: opt('ES_BEARER_TOKEN'),
      caFile: opt('ES_CA_FILE'),
      caFingerprint,
      tlsRejectUnauthorized: v.get('ES_TLS_REJECT_UNAUTHORIZED') as boolean,
      sniff: v.get('ES_SNIFF') as boolean,
      connectionClass: str('ES_CONNECTION_CLASS') as 'http' | 'undici',
      requestTimeoutMs: int('ES_REQUEST_TIMEOUT_MS'),
      compression: str('ES_COMPRESSION') as 'none' | 'gzip',
    },
    unknownStreams: str('GATEWAY_UNKNOWN_STREAMS') as 'accept' | 'reject',
    defaultIndexPattern: str('GATEWAY_INDEX_PATTERN'),
    idField: str('GATEWAY_ID_FIELD'),
    limits: {
      maxBodyBytes: int('GATEWAY_MAX_BODY_BYTES'),
      maxDecompressedBytes: int('GATEWAY_MAX_DECOMPRESSED_BYTES'),
      maxDecompressionRatio: int('GATEWAY_MAX_DECOMPRESSION_RATIO'),
      bodyTimeoutMs: int('GATEWAY_REQUEST_TIMEOUT_MS'),
      maxEventDepth: int('GATEWAY_MAX_EVENT_DEPTH'),
      maxEventFields: int('GATEWAY_MAX_EVENT_FIELDS'),
      maxStringBytes: int('GATEWAY_MAX_STRING_BYTES'),
      maxLineBytes: int('GATEWAY_MAX_LINE_BYTES'),
      maxEventsPerRequest: int('GATEWAY_MAX_EVENTS_PER_REQUEST'),
      maxReportedErrors: int('GATEWAY_MAX_REPORTED_ERRORS'),
      intakeMaxBytes: int('GATEWAY_INTAKE_MAX_BYTES'),
      intakeMaxWaitMs: int('GATEWAY_INTAKE_MAX_WAIT_MS'),
    },
    ackTimeoutMs: int('GATEWAY_ACK_TIMEOUT_MS'),
    framing: {
      workers: workers === 'auto' ? 'auto' : Number(workers),
      minWorkerBytes: int('GATEWAY_WORKER_MIN_BODY_BYTES'),
      workerIdleMs: int('GATEWAY_WORKER_IDLE_MS'),
    },
    pipeline: {
      queueMaxBytes: int('GATEWAY_QUEUE_MAX_BYTES'),
      queueHighWaterBytes: int('GATEWAY_QUEUE_HIGH_WATER_BYTES'),
      batchMaxDocs: int('GATEWAY_BATCH_MAX_DOCS'),
      batchMaxBytes: int('GATEWAY_BATCH_MAX_BYTES'),
      batchMaxAgeMs: int('GATEWAY_BATCH_MAX_AGE_MS'),
      maxInFlight: int('GATEWAY_MAX_IN_FLIGHT'),
      retryMaxAttempts: int('GATEWAY_RETRY_MAX_ATTEMPTS'),
      retryBaseMs: int('GATEWAY_RETRY_BASE_MS'),
      retryMaxMs: int('GATEWAY_RETRY_MAX_MS'),
      deadLetterIndex: str('GATEWAY_DEAD_LETTER_INDEX'),
    },
    shutdownTimeoutMs: int('GATEWAY_SHUTDOWN_TIMEOUT_MS'),
    durability: str('GATEWAY_DURABILITY') as 'memory' | 'durable',
    spool: opt('GATEWAY_SPOOL_DIR') === undefined ? undefined : {
      dir: str('GATEWAY_SPOOL_DIR'),
      maxBytes: int('GATEWAY_SPOOL_MAX_BYTES'),
      segmentBytes: int('GATEWAY_SPOOL_SEGMENT_BYTES'),
      fsync: str('GATEWAY_SPOOL_FSYNC') as SpoolConfig['fsync'],
      fsyncIntervalMs: int('GATEWAY_SPOOL_FSYNC_INTERVAL_MS'),
    },
    replayStartEventsPerSec: int('GATEWAY_REPLAY_START_EVENTS_PER_SEC'),
    spillAfterMs: int('GATEWAY_SPILL_AFTER_MS'),
    breaker: {
      errorPercent: int('GATEWAY_BREAKER_ERROR_PERCENT'),
      windowMs: int('GATEWAY_BREAKER_WINDOW_MS'),
      minRequests: int('GATEWAY_BREAKER_MIN_REQUESTS'),
      resetMs: int('GATEWAY_BREAKER_RESET_MS'),
    },
    installTemplates: v.get('GATEWAY_INSTALL_TEMPLATES') as boolean,
    esApi: {
      indices: list('GATEWAY_ES_API_INDICES'),
      pipelines: list('GATEWAY_ES_API_PIPELINES'),
      ack: str('GATEWAY_ES_API_ACK') as 'indexed' | 'accepted',
    },
    search: {
      cacheMaxBytes: int('GATEWAY_SEARCH_CACHE_MAX_BYTES'),
      timeoutMs: int('GATEWAY_SEARCH_TIMEOUT_MS'),
      maxInFlight: int('GATEWAY_SEARCH_MAX_IN_FLIGHT'),
      breaker: {
        errorPercent: int('GATEWAY_SEARCH_BREAKER_ERROR_PERCENT'),
        windowMs: int('GATEWAY_SEARCH_BREAKER_WINDOW_MS'),
        minRequests: int('GATEWAY_SEARCH_BREAKER_MIN_REQUESTS'),
        resetMs: int('GATEWAY_SEARCH_BREAKER_RESET_MS'),
      },
    },
    auth: {
      enabled: str('GATEWAY_AUTH') === 'on',
      keysFile: opt('GATEWAY_KEYS_FILE'),
      keysPollMs: int('GATEWAY_KEYS_POLL_MS'),
      opsAllow: list('GATEWAY_OPS_ALLOW'),
      rateLimit: { max: int('GATEWAY_RATE_LIMIT_MAX'), windowMs: int('GATEWAY_RATE_LIMIT_WINDOW_MS'), redisUrl: opt('GATEWAY_RATE_LIMIT_REDIS_URL'), redisFailure: str('GATEWAY_RATE_LIMIT_REDIS_FAILURE') as 'open' | 'closed' },
    },
    streams,
    governance: {
      lifecycleFallback: str('GATEWAY_LIFECYCLE_FALLBACK') as 'auto' | 'off',
      lifecycleIntervalMs: int('GATEWAY_LIFECYCLE_INTERVAL_MS'),
      fieldWatchIntervalMs: int('GATEWAY_FIELD_WATCH_INTERVAL_MS'),
      auditIndex,
    },
  };
}
