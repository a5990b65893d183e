// Builds a checkout's gateway (`tsc -p tsconfig.build.json` → dist/), as `npm run build` does:
// production runs dist/main.js (src/runtime-flags.ts). Used by `npm start` and the benchmark
// harness, so neither can run a stale build.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export function buildGateway(root: string): void {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`building ${root} failed (tsc exit ${r.status ?? r.signal})`);
}
