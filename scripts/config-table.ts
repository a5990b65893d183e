// Prints the README's configuration table from src/config/settings.ts (the one source).
import { SETTINGS } from '../src/config/settings.ts';

const rows = SETTINGS.map((s) => {
  const def = s.default === undefined ? '—' : `\`${s.default}\``;
  return `| \`${s.env}\` | ${def} | ${s.description.replaceAll('|', '\\|')} |`;
});
process.stdout.write(['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n');
