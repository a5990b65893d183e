// The indices the gateway writes, from its configuration: each configured stream's index pattern
// and the default pattern of the others, so findings about them can name the setting to change. Pure.
import type { GatewayConfig } from '../../config/config.ts';
import { indexPatternGlob } from '../../model/index-pattern.ts';

/** A target the gateway writes: a configured stream, or the default pattern of the others. */
export interface GatewayStream {
  /** `streams.<name>` in the config file, or `GATEWAY_INDEX_PATTERN` for the default pattern. */
  setting: string;
  /** The pattern with its stream name filled in (the default one keeps `{stream}`). */
  indexPattern: string;
  /** Indices it writes, as a glob (date tokens and {stream} as `*`). */
  glob: string;
}

export function gatewayStreams(config: Pick<GatewayConfig, 'streams' | 'defaultIndexPattern' | 'unknownStreams'>): GatewayStream[] {
  const streams: GatewayStream[] = [...config.streams.values()].map((s) => {
    const pattern = (s.index ?? config.defaultIndexPattern).replaceAll('{stream}', s.name);
    return { setting: `streams.${s.name}`, indexPattern: pattern, glob: indexPatternGlob(pattern, s.name) };
  });
  // Configured streams first: an index of theirs may match the default pattern too.
  if (config.unknownStreams === 'accept') {
    streams.push({ setting: 'GATEWAY_INDEX_PATTERN', indexPattern: config.defaultIndexPattern, glob: indexPatternGlob(config.defaultIndexPattern, '*') });
  }
  return streams;
}

export function globMatches(glob: string, name: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/**
 * The first stream whose glob matches (configured streams before the default pattern); a data
 * stream's backing index (`.ds-<data stream>-<date>-<generation>`) belongs to its data stream's.
 */
export const streamOf = (streams: readonly GatewayStream[], index: string): GatewayStream | undefined =>
  streams.find((s) => globMatches(s.glob, index) || globMatches(`.ds-${s.glob}-*`, index));
