import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_DIR, generateClient } from '../../scripts/generate-client.ts';

const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();

describe('clients/typescript', () => {
  it('is what @hey-api/openapi-ts generates from openapi/openapi.json (regenerate with npm run client)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-client-'));
    try {
      await generateClient(dir);
      expect(filesUnder(CLIENT_DIR)).toEqual(filesUnder(dir));
      for (const f of filesUnder(dir)) expect(readFileSync(path.join(CLIENT_DIR, f), 'utf8'), f).toBe(readFileSync(path.join(dir, f), 'utf8'));
      expect(readFileSync(path.join(CLIENT_DIR, 'sdk.gen.ts'), 'utf8')).toMatch(/export const postV1EventsByStream =/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
