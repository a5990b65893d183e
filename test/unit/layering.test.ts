// The layering rules of .dependency-cruiser.mjs (run by `npm run lint`): the real tree passes,
// and a fixture tree whose lower floors reach up is refused, each import by the rule it breaks.
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import rules from '../../.dependency-cruiser.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/layering', import.meta.url));

async function violations(baseDir: string): Promise<{ rule: string; from: string; to: string; message: string }[]> {
  const { output } = await cruise(['src'], { ...rules.options, validate: true, ruleSet: { forbidden: rules.forbidden }, baseDir, tsConfig: { fileName: `${repo}/tsconfig.json` } });
  const comments = new Map<string, string>(rules.forbidden.map((r) => [r.name ?? '', r.comment ?? '']));
  return (output as ICruiseResult).summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to, message: comments.get(v.rule.name) ?? '' }));
}

describe('layering rules', () => {
  it('find no import in src/ that reaches up', async () => {
    expect(await violations(repo)).toEqual([]);
  });

  it('refuse each reaching-up import and cycle of the fixture by its rule, with a message that says why', async () => {
    const found = await violations(fixture);
    expect(found.map(({ rule, from, to }) => ({ rule, from, to })).sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([
      { rule: 'ingest-above-write-path', from: 'src/ingest/reaches-up.ts', to: 'src/spool/cycle-a.ts' },
      { rule: 'model-imports-no-stage', from: 'src/model/reaches-up.ts', to: 'src/sink/reaches-up.ts' },
      { rule: 'no-cycles', from: 'src/spool/cycle-a.ts', to: 'src/spool/cycle-b.ts' },
      { rule: 'sink-at-the-bottom', from: 'src/sink/reaches-up.ts', to: 'src/pipeline/queue.ts' },
    ]);
    expect(found.find((v) => v.rule === 'sink-at-the-bottom')?.message).toMatch(/sink\/ imports pipeline\//);
  });
});
