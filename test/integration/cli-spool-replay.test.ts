// `es-gateway spool replay <dir> --es <url>`: drains a spool folder offline, prints a summary.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool } from '../../src/spool/spool.ts';
import { countDocs, deleteIndices, esClient, esUrl, logEvents, unique } from '../support/gateway.ts';

const prefix = unique('it-cli');
const es = esClient();
const run = promisify(execFile);

afterAll(async () => {
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

describe('es-gateway spool replay', () => {
  it('delivers every spooled event and empties the spool', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-cli-'));
    const spool = await Spool.open(dir, { segmentBytes: 16 * 1024 });
    await spool.append(logEvents(500, prefix).map((e, i) => ({ id: e.id, index: `${prefix}-cli-2026.11.21`, stream: 'cli', acceptedAt: 1_790_000_000_000 + i, source: Buffer.from(e.line) })));
    await spool.close();

    const { stdout, stderr } = await run(process.execPath, ['src/cli/es-gateway.ts', 'spool', 'replay', dir, '--es', esUrl()]);
    expect(stdout, stderr).toMatch(/^delivered: +500 of 500 events/m);
    expect(stdout).toMatch(/^left in spool: 0$/m);
    expect(await countDocs(es, `${prefix}-cli-*`)).toBe(500);

    const again = await run(process.execPath, ['src/cli/es-gateway.ts', 'spool', 'inspect', dir, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ events: 0, corruptRecords: 0 });
  });

  it('answers usage errors with exit code 2', async () => {
    const err = await run(process.execPath, ['src/cli/es-gateway.ts', 'spool', 'replay', '/nonexistent']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
  });
});
