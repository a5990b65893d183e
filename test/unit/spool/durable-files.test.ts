import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteGradually } from '../../../src/spool/durable-files.ts';
import { tempDirPerTest } from './spool-test-support.ts';

const folder = tempDirPerTest();

describe('deleteGradually', () => {
  it('deletes a file larger than several steps, and one smaller than a step', async () => {
    const big = join(folder(), 'big.seg');
    const small = join(folder(), 'small.seg');
    await writeFile(big, Buffer.alloc(9 * 1024 * 1024 + 5, 1));
    await writeFile(small, Buffer.alloc(100, 1));
    await deleteGradually(big, 4 * 1024 * 1024);
    await deleteGradually(small, 4 * 1024 * 1024);
    await expect(access(big)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(access(small)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects for a file that is not there', async () => {
    await expect(deleteGradually(join(folder(), 'missing.seg'), 1024)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
