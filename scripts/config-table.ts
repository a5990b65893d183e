// The README's configuration table, from src/config/settings.ts (the one source).
import { SETTINGS } from '../src/config/settings.ts';

export function configTable(): string {
  const rows = SETTINGS.map((s) => {
    const def = s.default === undefined ? '—' : `\`${s.default}\``;
    return `| \`${s.env}\` | ${def} | ${s.description.replaceAll('|', '\\|')} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
