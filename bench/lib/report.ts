// One table row per scenario (printed as it completes) and the JSON files in bench/results/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Row {
  id: string;
  scenario: string;
  eventsPerSec?: number;
  mbPerSec?: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
  /** CPU of the process under test, in cores (1.00 = one core busy). */
  cpuCores?: number;
  peakRssMb?: number;
  notes: string;
}

const COLUMNS: [string, (r: Row) => string][] = [
  ['#', (r) => r.id],
  ['scenario', (r) => r.scenario],
  ['events/s', (r) => fmtInt(r.eventsPerSec)],
  ['MB/s', (r) => fmt(r.mbPerSec, 1)],
  ['p50 ms', (r) => fmt(r.p50, 2)],
  ['p95 ms', (r) => fmt(r.p95, 2)],
  ['p99 ms', (r) => fmt(r.p99, 2)],
  ['max ms', (r) => fmt(r.max, 1)],
  ['CPU (cores)', (r) => fmt(r.cpuCores, 2)],
  ['peak RSS MB', (r) => fmt(r.peakRssMb, 0)],
  ['notes', (r) => r.notes],
];

export function fmt(n: number | undefined, digits: number): string {
  return n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits);
}

export function fmtInt(n: number | undefined): string {
  return n === undefined || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US');
}

export function tableHeader(): string {
  return `| ${COLUMNS.map((c) => c[0]).join(' | ')} |\n|${COLUMNS.map(() => '---').join('|')}|`;
}

export function tableRow(r: Row): string {
  return `| ${COLUMNS.map((c) => c[1](r).replaceAll('|', '\\|')).join(' | ')} |`;
}

export interface Machine { cpu: string; cores: number; memoryGiB: number; kernel: string; node: string }

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

export class Results {
  readonly rows: Row[] = [];
  readonly runId: string;
  readonly dir: string;
  constructor(dir: string, runId: string) {
    this.dir = dir;
    this.runId = runId;
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Records one scenario: prints its row(s) and writes its JSON. */
  add(slug: string, rows: Row[], detail: Record<string, unknown>): void {
    for (const r of rows) {
      this.rows.push(r);
      console.log(tableRow(r));
    }
    this.write(slug, { rows, ...detail });
  }

  write(slug: string, data: unknown): string {
    const file = path.join(this.dir, `${this.runId}-${slug}.json`);
    fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
    return file;
  }

  table(): string {
    return [tableHeader(), ...this.rows.map(tableRow)].join('\n');
  }
}
