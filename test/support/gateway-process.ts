// The gateway as a real process (src/main.ts), for tests about signals, crashes and memory.
// Production runs the same code built (dist/main.js, src/runtime-flags.ts); the tests run the
// sources, so they never depend on a build step (type stripping only adds memory).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GATEWAY_NODE_FLAGS } from '../../src/runtime-flags.ts';
import { esUrl } from './gateway.ts';

export interface GatewayProcess {
  child: ChildProcess;
  /** Resolves with the listening URL. */
  listening: Promise<string>;
  output(): string;
  /** Resident set size of the process now, in bytes, from /proc. */
  rssBytes(): number;
  exited: Promise<number | null>;
}

export function startGatewayProcess(env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', './src/telemetry/otel-preload.ts', 'src/main.ts'], {
    // LOG_LEVEL stays info or lower: the "listening" line tells the test where the gateway is.
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', GATEWAY_AUTH: 'off', GATEWAY_RATE_LIMIT_MAX: '1000000', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never outlive the test run, whatever happens to the test.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  void exited.then(() => process.off('exit', reap));
  const listening = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /"address":"(http:\/\/[^"]+)"/.exec(output);
      if (m?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before listening:\n${output}`)));
  });
  return {
    child,
    listening,
    output: () => output,
    exited,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return Number(kb ?? 0) * 1024;
    },
  };
}

/**
 * The crash tests' gateway: durable mode on a fresh spool folder of small segments, indices and
 * dead letters under `prefix`, and slow replay so that much is still only in the spool at a kill.
 */
export function durableCrashEnv(prefix: string): Record<string, string> {
  return {
    ES_URL: esUrl(),
    GATEWAY_DURABILITY: 'durable',
    GATEWAY_SPOOL_DIR: mkdtempSync(path.join(os.tmpdir(), `esgw-${prefix}-`)),
    GATEWAY_SPOOL_SEGMENT_BYTES: String(256 * 1024),
    GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
    GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
    GATEWAY_REPLAY_START_EVENTS_PER_SEC: '500',
  };
}
