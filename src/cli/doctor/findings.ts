// What the doctor's analyses hand back: findings with their figures, a severity and the reason
// each matters; the thresholds they apply; and the exit status a set of findings makes. Pure.

export { bytes } from '../byte-size.ts';

/** `info` is advice and leaves the exit status alone; `warning` makes it 1, `critical` 2. */
export type Severity = 'info' | 'warning' | 'critical';
export type FindingFamily = 'skew' | 'sizing' | 'mappings' | 'pressure';

export interface Finding {
  family: FindingFamily;
  /** Stable name of the kind of finding, for machines (`index_skew`, `field_count`, …). */
  code: string;
  severity: Severity;
  /** What it is about: an index, a node, `node/pool`, or the cluster. */
  subject: string;
  /** One line with the figures. */
  summary: string;
  /** Why it matters. */
  why: string;
  /** What would fix it, where the doctor can tell (for the gateway's streams: the setting). */
  fix?: string;
  figures: Record<string, number | string>;
}

export interface Thresholds {
  /** Index skew (coefficient of variation across nodes, above that of an even spread) that is reported. */
  skewMax: number;
  /** Indices (and, for node skew, clusters) smaller than this are not judged for skew. */
  skewMinBytes: number;
  /** A node this many percent above the data nodes' mean (store, shards, indexing or search) is reported. */
  nodeAboveMeanPct: number;
  /** Primary shards below this (on average, in an index of several, or across a stream's indices) are reported as too small. */
  shardMinBytes: number;
  /** Primary shards above this are reported as too large. */
  shardMaxBytes: number;
  fieldsWarnPct: number;
  fieldsCriticalPct: number;
  /** Fielddata memory of a node, in percent of its heap, that is reported. */
  fielddataWarnPct: number;
  /** A thread pool queue filled to this percent of its size is reported. */
  queueWarnPct: number;
  /** Old generation use in percent of the heap (JVM memory pressure). */
  memoryPressureWarnPct: number;
  memoryPressureCriticalPct: number;
}

const GB = 1024 ** 3;

export const DEFAULT_THRESHOLDS: Thresholds = {
  skewMax: 0.5,
  skewMinBytes: 1 * GB,
  nodeAboveMeanPct: 50,
  shardMinBytes: 1 * GB,
  shardMaxBytes: 50 * GB,
  fieldsWarnPct: 80,
  fieldsCriticalPct: 95,
  fielddataWarnPct: 20,
  queueWarnPct: 50,
  memoryPressureWarnPct: 75,
  memoryPressureCriticalPct: 85,
};

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** 0 healthy (nothing or only advice), 1 warnings, 2 critical. */
export function exitStatus(findings: readonly Finding[]): 0 | 1 | 2 {
  return findings.reduce<0 | 1 | 2>((worst, f) => Math.max(worst, RANK[f.severity]) as 0 | 1 | 2, 0);
}

/** Most severe first, then by family and subject, so reports read the same every run. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.family.localeCompare(b.family) || a.subject.localeCompare(b.subject) || a.code.localeCompare(b.code));
}

export const num = (s: string | null | undefined): number => (s === null || s === undefined || s === '' ? 0 : Number(s));

/** Indices Elasticsearch and its features own (`.security`, `.ds-…` backing indices are not: they are user data). */
export const isSystemIndex = (name: string): boolean => name.startsWith('.') && !name.startsWith('.ds-');

/**
 * Indices that differ only in their numbers (dates, rollover generations) form a family, so that
 * a month of daily indices is one finding: `logs-2026.11.20` and `logs-2026.11.21` → `logs-*`.
 */
export const indexFamily = (index: string): string => index.replace(/\d+/g, '*').replace(/\*(?:[._-]\*)+/g, '*');

/** Items grouped by a key, groups in the order their first item came. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** A group's name for a finding: the index itself when it is alone, else the family or stream. */
export const groupSubject = (key: string, indices: readonly string[]): string => (indices.length === 1 ? indices[0] as string : key);

/** `a, b, c, … (12 indices)` */
export const someOf = (names: readonly string[]): string => (names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')}, … (${names.length} indices)`);

export const pct = (part: number, whole: number): number => (whole <= 0 ? 0 : Math.round((part / whole) * 1000) / 10);
export const round2 = (n: number): number => Math.round(n * 100) / 100;
