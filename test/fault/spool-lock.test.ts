// Two gateway processes on one spool folder: the second waits a bounded time for the holder of
// the lock (a restart right after kill -9 finds the old process still exiting), then either takes
// the spool over or exits non-zero with one log line naming the folder and the holder — no stack.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SPOOL_LOCK_WAIT_MS } from '../../src/spool/spool-lock.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { esUrl } from '../support/gateway.ts';

const started: GatewayProcess[] = [];
const dirs: string[] = [];

function gateway(spoolDir: string): GatewayProcess {
  // No templates: these gateways index nothing, so they leave the shared node as it was.
  const g = startGatewayProcess({ ES_URL: esUrl(), GATEWAY_SPOOL_DIR: spoolDir, GATEWAY_INSTALL_TEMPLATES: 'false' });
  started.push(g);
  return g;
}

function spoolDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-lock-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const g of started.splice(0)) {
    if (g.child.exitCode === null && g.child.signalCode === null) {
      g.child.kill('SIGKILL');
      await g.exited;
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('spool lock between gateway processes', () => {
  it('a second gateway on a held spool waits, then exits 1 with one log line naming the folder and the holder, no stack trace', async () => {
    const dir = spoolDir();
    const first = gateway(dir);
    await first.listening;
    const t0 = performance.now();
    const second = gateway(dir);
    second.listening.catch(() => undefined); // it never listens: that is the point
    const code = await second.exited;
    const output = second.output();
    expect(code, output).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(SPOOL_LOCK_WAIT_MS);
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    expect(lines, output).toEqual([
      `cannot start: spool ${dir} is in use by process ${first.child.pid} (still running after waiting ${SPOOL_LOCK_WAIT_MS / 1000} s for it to exit); stop that process or set GATEWAY_SPOOL_DIR to another folder`,
    ]);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('SpoolLockedError');
    // The holder is untouched and still serves.
    expect((await fetch(`${await first.listening}/healthz`)).status).toBe(200);
  });

  it('a gateway restarted right after kill -9 of the holder takes the spool over', async () => {
    const dir = spoolDir();
    const first = gateway(dir);
    await first.listening;
    first.child.kill('SIGKILL'); // not waited for: the restart races the old process's exit
    const second = gateway(dir);
    await second.listening;
    expect(second.output()).not.toContain('in use by process');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
