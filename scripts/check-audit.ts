// Reads `npm audit --json` on stdin (.ci/run: `npm audit --omit=dev --audit-level=high --json`)
// and fails on any high or critical advisory in the production dependencies, naming them. When
// the advisory service could not be asked (a registry mirror without npm's bulk advisory
// endpoint answers 405), it says so and passes: that is no finding about the dependencies.
import { readFileSync } from 'node:fs';

interface Audit {
  statusCode?: number;
  message?: string;
  error?: { summary?: string };
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
}

const text = readFileSync(0, 'utf8').trim();
let audit: Audit;
try {
  audit = JSON.parse(text) as Audit;
} catch {
  console.error(`ci: npm audit printed no JSON:\n${text.slice(0, 500)}`);
  process.exit(1);
}
const counts = audit.metadata?.vulnerabilities;
if (counts === undefined) {
  const why = audit.message ?? audit.error?.summary ?? 'no report';
  console.warn(`ci: WARNING npm audit could not ask the advisory service (${why}); dependency advisories NOT checked`);
  process.exit(0);
}
const serious = Object.entries(audit.vulnerabilities ?? {}).filter(([, v]) => v.severity === 'high' || v.severity === 'critical');
if (serious.length > 0) {
  console.error(`ci: npm audit --omit=dev: ${serious.length} high or critical advisories: ${serious.map(([name, v]) => `${name} (${v.severity})`).join(', ')}`);
  process.exit(1);
}
console.log(`ci: npm audit --omit=dev: no high or critical advisory (${JSON.stringify(counts)})`);
