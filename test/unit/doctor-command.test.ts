// `es-gateway doctor`'s command line: what it refuses before it reads a cluster (exit 3), and
// its help. The reading and the report are test/integration/cli-doctor.test.ts's.
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor-command.ts';

async function doctor(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDoctor(args, (t) => { out += t; }, (t) => { err += t; });
  return { code, out, err };
}

describe('es-gateway doctor, command line', () => {
  it('lists its thresholds with their defaults on --help', async () => {
    const { code, out } = await doctor('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: es-gateway doctor --es <url> \[--json\]/);
    expect(out).toMatch(/^ {2}--fields-warn-pct 80$/m);
    expect(out).toMatch(/^ {2}--shard-max-gb 50$/m);
    expect(out).toMatch(/^ {2}--memory-pressure-critical-pct 85$/m);
  });

  it('refuses an unknown flag, a threshold that is not a number ≥ 0, and a streams file it cannot read: exit 3', async () => {
    expect(await doctor('--es', 'http://127.0.0.1:1', '--frobnicate')).toMatchObject({ code: 3, err: expect.stringMatching(/Unknown option '--frobnicate'[\s\S]*usage: es-gateway doctor/) });
    expect(await doctor('--es', 'http://127.0.0.1:1', '--skew-max=-1')).toMatchObject({ code: 3, err: expect.stringMatching(/--skew-max must be a number ≥ 0, got "-1"/) });
    expect(await doctor('--es', 'http://127.0.0.1:1', '--shard-min-gb', '')).toMatchObject({ code: 3 });
    expect(await doctor('--es', 'http://127.0.0.1:1', '--config', '/nonexistent/streams.json')).toMatchObject({ code: 3, err: expect.stringMatching(/streams file \/nonexistent\/streams\.json: ENOENT/) });
  });

  it('says so when no cluster answers: exit 3', async () => {
    const { code, out, err } = await doctor('--es', 'http://127.0.0.1:1');
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toMatch(/^es-gateway doctor: cannot read the cluster at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
