// `es-gateway doctor --es <url> [--json]`: reads a cluster's state and stats once and reports
// shard skew, shard sizing, mapping and pressure findings with their figures and why they matter.
// Exit status: 0 healthy (nothing, or only notes), 1 warnings, 2 critical, 3 the cluster could
// not be read or the command line is wrong (README "Doctor").
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createEsClient } from '../sink/es-client.ts';
import { readCluster } from './doctor/cluster-reader.ts';
import { diagnose, formatReport } from './doctor/doctor-report.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from './doctor/findings.ts';
import { gatewayStreams } from './doctor/gateway-streams.ts';
import { esEnvironment } from './es-environment.ts';
import { DOCTOR_USAGE } from './command-usage.ts';

const GB = 1024 ** 3;

/** Each threshold's flag, the unit it takes on the command line, and its scale to the threshold's unit. */
const THRESHOLD_FLAGS: [flag: string, key: keyof Thresholds, scale: number][] = [
  ['skew-max', 'skewMax', 1],
  ['skew-min-gb', 'skewMinBytes', GB],
  ['node-above-mean-pct', 'nodeAboveMeanPct', 1],
  ['shard-min-gb', 'shardMinBytes', GB],
  ['shard-max-gb', 'shardMaxBytes', GB],
  ['fields-warn-pct', 'fieldsWarnPct', 1],
  ['fields-critical-pct', 'fieldsCriticalPct', 1],
  ['fielddata-warn-pct', 'fielddataWarnPct', 1],
  ['queue-warn-pct', 'queueWarnPct', 1],
  ['memory-pressure-warn-pct', 'memoryPressureWarnPct', 1],
  ['memory-pressure-critical-pct', 'memoryPressureCriticalPct', 1],
];

const THRESHOLD_HELP = THRESHOLD_FLAGS.map(([flag, key, scale]) => `  --${flag} ${DEFAULT_THRESHOLDS[key] / scale}`).join('\n');

export async function runDoctor(args: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        es: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        help: { type: 'boolean', default: false },
        ...Object.fromEntries(THRESHOLD_FLAGS.map(([flag]) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    err(`es-gateway doctor: ${(e as Error).message}\nusage: ${DOCTOR_USAGE}\nthresholds (defaults):\n${THRESHOLD_HELP}\n`);
    return 3;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) {
    out(`usage: ${DOCTOR_USAGE}\nthresholds (defaults):\n${THRESHOLD_HELP}\n`);
    return 0;
  }
  const url = (values.es as string | undefined) ?? process.env.ES_URL;
  if (url === undefined || url === '') {
    err(`es-gateway doctor: --es <url> is required (or ES_URL)\nusage: ${DOCTOR_USAGE}\n`);
    return 3;
  }
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [flag, key, scale] of THRESHOLD_FLAGS) {
    const given = values[flag];
    if (typeof given !== 'string') continue;
    const n = Number(given);
    if (given.trim() === '' || !Number.isFinite(n) || n < 0) {
      err(`es-gateway doctor: --${flag} must be a number ≥ 0, got ${JSON.stringify(given)}\n`);
      return 3;
    }
    thresholds[key] = n * scale;
  }

  let config;
  try {
    const file = (values.config as string | undefined) ?? process.env.GATEWAY_CONFIG_FILE;
    config = loadConfig({ ...process.env, ...esEnvironment(url) }, file === undefined || file === '' ? undefined : readStreamsFile(file));
  } catch (e) {
    err(`es-gateway doctor: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    return 3;
  }
  const es = createEsClient(config.elasticsearch, 2);
  try {
    const snapshot = await readCluster(es).catch((e: unknown) => {
      err(`es-gateway doctor: cannot read the cluster at ${url}: ${(e as Error).message}\n`);
      return undefined;
    });
    if (snapshot === undefined) return 3;
    const report = diagnose(snapshot, thresholds, gatewayStreams(config));
    out(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.summary.exitStatus;
  } finally {
    await es.close();
  }
}

function readStreamsFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`streams file ${file}: ${(e as Error).message}`]);
  }
}
