// API keys for tests that run with GATEWAY_AUTH=on: a keys file in a temporary folder, keys made
// by the `keys create` command itself, and the settings of a gateway that uses them.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runKeysCreate } from '../../src/cli/keys-command.ts';

export interface TestKeys {
  file: string;
  /** The keys made so far, by name. */
  keys: Record<string, string>;
  /** Makes a key (`keys create --name name …args`) and returns it. */
  create(name: string, args: string[]): string;
  /** A gateway's settings: auth on with this file, /metrics not open to the tests' loopback, one-minute rate-limit windows. */
  env(prefix: string): Record<string, string>;
  remove(): void;
}

export function testKeys(): TestKeys {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-keys-'));
  const file = path.join(dir, 'keys.json');
  const keys: Record<string, string> = {};
  return {
    file,
    keys,
    create(name, args) {
      const out: string[] = [];
      const code = runKeysCreate(['--name', name, '--file', file, ...args], (t) => out.push(t), () => {});
      if (code !== 0) throw new Error(`keys create ${name} failed (${code})`);
      keys[name] = out.join('').trim();
      return keys[name];
    },
    env: (prefix) => ({
      GATEWAY_AUTH: 'on',
      GATEWAY_KEYS_FILE: file,
      GATEWAY_OPS_ALLOW: '192.0.2.0/24',
      GATEWAY_RATE_LIMIT_WINDOW_MS: '60000',
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq`,
      GATEWAY_ES_API_INDICES: `${prefix}-*`,
    }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
