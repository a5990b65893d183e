// Shard sizing: primary shards far below or above the usual 10–50 GB, and for the gateway's own
// streams the setting that would fix it (the stream's index pattern or its number_of_shards).
// Pure: findings from a snapshot and the streams the gateway writes.
import type { ClusterSnapshot } from './cluster-snapshot.ts';
import { bytes, groupBy, groupSubject, indexFamily, isSystemIndex, num, someOf, type Finding, type Thresholds } from './findings.ts';
import { streamOf, type GatewayStream } from './gateway-streams.ts';
import { placedShards } from './node-loads.ts';

/** The middle of the 10–50 GB guidance: what a fix aims a primary shard at. */
const TARGET_SHARD_BYTES = 30 * 1024 ** 3;

export interface IndexSize {
  index: string;
  primaries: number;
  primaryBytes: number;
  largestPrimaryBytes: number;
}

export function indexSizes(snapshot: ClusterSnapshot): IndexSize[] {
  const sizes = new Map<string, IndexSize>();
  for (const s of placedShards(snapshot)) {
    if (s.prirep !== 'p' || isSystemIndex(s.index)) continue;
    const size = sizes.get(s.index) ?? { index: s.index, primaries: 0, primaryBytes: 0, largestPrimaryBytes: 0 };
    size.primaries++;
    size.primaryBytes += num(s.store);
    size.largestPrimaryBytes = Math.max(size.largestPrimaryBytes, num(s.store));
    sizes.set(s.index, size);
  }
  return [...sizes.values()].sort((a, b) => a.index.localeCompare(b.index));
}

/** The gateway setting that gives a stream's indices `shards` primaries. */
function shardSetting(stream: GatewayStream, shards: number): string {
  return stream.setting.startsWith('streams.')
    ? `${stream.setting}.settings.number_of_shards: ${shards}`
    : `the stream in GATEWAY_CONFIG_FILE with "settings": { "number_of_shards": ${shards} } (the default pattern has no settings of its own)`;
}

const shardsFor = (primaryBytes: number) => Math.max(1, Math.ceil(primaryBytes / TARGET_SHARD_BYTES));

/** A coarser date in the pattern (hourly → daily, daily → monthly), with how many times larger its indices get. */
function coarserPattern(pattern: string): [string, number] | undefined {
  if (/\{HH\}|\.HH\}/.test(pattern)) return [pattern.replace(/[-._]?\{HH\}|\.HH\}/, (m) => (m === '.HH}' ? '}' : '')), 24];
  if (/\{dd\}|\.dd\}/.test(pattern)) return [pattern.replace(/[-._]?\{dd\}|\.dd\}/, (m) => (m === '.dd}' ? '}' : '')), 30];
  return undefined;
}

export function sizingFindings(snapshot: ClusterSnapshot, t: Thresholds, streams: readonly GatewayStream[] = []): Finding[] {
  const findings: Finding[] = [];
  const sizes = indexSizes(snapshot);
  const overSharded: IndexSize[] = [];
  for (const s of sizes) {
    const stream = streamOf(streams, s.index);
    const average = s.primaryBytes / s.primaries;
    if (s.largestPrimaryBytes > t.shardMaxBytes) {
      const shards = shardsFor(s.primaryBytes);
      findings.push({
        family: 'sizing', code: 'shards_too_large', severity: 'warning', subject: s.index,
        summary: `largest primary shard ${bytes(s.largestPrimaryBytes)} (${s.primaries} primaries, ${bytes(s.primaryBytes)} in all) is above ${bytes(t.shardMaxBytes)}`,
        why: 'a shard this large recovers and relocates slowly (hours after a node loss), and its node carries a share of the load the others cannot take over',
        fix: stream === undefined
          ? `split it (\`_split\` to ${shards} primaries) or roll over at \`max_primary_shard_size: 50gb\``
          : `${shardSetting(stream, shards)} (about ${bytes(TARGET_SHARD_BYTES)} a shard), or a finer date in its index pattern`,
        figures: { primaries: s.primaries, primaryBytes: s.primaryBytes, largestPrimaryBytes: s.largestPrimaryBytes, suggestedShards: shards },
      });
    } else if (s.primaries > 1 && average < t.shardMinBytes) {
      overSharded.push(s);
    }
  }
  // A month of over-sharded daily indices is one finding, of their stream or their family.
  for (const [key, group] of groupBy(overSharded, (s) => streamOf(streams, s.index)?.setting ?? indexFamily(s.index))) {
    const stream = streamOf(streams, group[0]?.index ?? '');
    const primaries = group.reduce((a, s) => a + s.primaries, 0);
    const primaryBytes = group.reduce((a, s) => a + s.primaryBytes, 0);
    const average = primaryBytes / primaries;
    const largest = Math.max(...group.map((s) => s.primaryBytes));
    const names = group.map((s) => s.index);
    findings.push({
      family: 'sizing', code: 'shards_too_small', severity: 'info', subject: stream?.setting ?? groupSubject(key, names),
      summary: `${names.length === 1 ? '' : `${someOf(names)}: `}${primaries} primary shards of ${bytes(Math.round(average))} on average (${bytes(primaryBytes)} in all), below ${bytes(t.shardMinBytes)}`,
      why: 'every shard costs heap, file handles and cluster-state updates whatever it holds; many small shards slow searches (one task each) and master operations',
      fix: stream === undefined ? `fewer primaries for new indices (\`number_of_shards: ${shardsFor(largest)}\` in their template), or \`_shrink\` them` : shardSetting(stream, shardsFor(largest)),
      figures: { indices: names.length, primaries, primaryBytes, averagePrimaryBytes: Math.round(average), suggestedShards: shardsFor(largest) },
    });
  }
  findings.push(...smallStreamIndices(sizes, t, streams));
  return findings;
}

/** A stream whose time-based indices each hold too little: its date is too fine. */
function smallStreamIndices(sizes: IndexSize[], t: Thresholds, streams: readonly GatewayStream[]): Finding[] {
  const findings: Finding[] = [];
  for (const stream of streams) {
    const own = sizes.filter((s) => streamOf(streams, s.index) === stream);
    const coarser = coarserPattern(stream.indexPattern);
    if (own.length < 2 || coarser === undefined) continue;
    const perIndex = own.reduce((a, s) => a + s.primaryBytes, 0) / own.length;
    if (own.some((s) => s.primaryBytes / s.primaries >= t.shardMinBytes)) continue;
    findings.push({
      family: 'sizing', code: 'stream_indices_too_small', severity: 'info', subject: stream.setting,
      summary: `${own.length} indices of ${stream.indexPattern} hold ${bytes(Math.round(perIndex))} of primaries each on average, below ${bytes(t.shardMinBytes)} a shard`,
      why: 'a new index per day (or hour) of a small stream multiplies shards — heap and cluster-state cost — without spreading any load',
      fix: `${stream.setting}${stream.setting.startsWith('streams.') ? '.index' : ''}: "${coarser[0]}" (about ${coarser[1]}× the data per index)`,
      figures: { indices: own.length, averageIndexPrimaryBytes: Math.round(perIndex), suggestedPattern: coarser[0] },
    });
  }
  return findings;
}
