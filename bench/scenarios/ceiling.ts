// Scenario 1: the ceiling of one Node process on this machine, in the same run as the others:
// a bare node:http server that only reads the body, and one that also JSON.parses every line.
import { averageBytes, NDJSON, type Context } from '../lib/context.ts';
import { fullSpeed } from '../lib/load.ts';
import { cpuWindow, machineWindow, peakRssMb, startPortPrinter } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';

/** The ceiling server's parse mode in the main thread vs. in 1 and 2 worker threads, alternating. */
export async function workerExperiment(ctx: Context, rounds: number): Promise<void> {
  const { settings: s } = ctx;
  const variants: [string, string[]][] = [['parse', ['parse']], ['parse in 1 worker', ['parse-workers', '0', '1']], ['parse in 2 workers', ['parse-workers', '0', '2']]];
  const rates = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [label, args] of r % 2 === 0 ? variants : [...variants].reverse()) {
      const server = await startPortPrinter('bench/ceiling-server.ts', args);
      try {
        const load = { seconds: s.warmupSeconds, connections: s.connections, contentType: NDJSON };
        await fullSpeed(`${server.url}/`, ctx.bodies, load);
        const cpu = cpuWindow(server.pid);
        const machineCpu = machineWindow();
        const res = await fullSpeed(`${server.url}/`, ctx.bodies, { ...load, seconds: s.seconds });
        const used = cpu.stop();
        const eventsPerSec = (res.requests2xx * s.eventsPerRequest) / res.seconds;
        rates.set(label, [...(rates.get(label) ?? []), eventsPerSec]);
        ctx.results.add(`workers-${label.replaceAll(' ', '-')}-${r}`, [{
          id: `W${r}`, scenario: `ceiling: ${label}`, eventsPerSec, ...res.latencyMs, cpuCores: used.cpuCores, peakRssMb: peakRssMb(server.pid),
          notes: `machine ${machineCpu.stop().toFixed(2)} cores`,
        }], { load: res, cpu: used });
      } finally {
        await server.stop();
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const base = mean(rates.get('parse') ?? []);
  for (const [label, xs] of rates) console.log(`${label}: ${Math.round(mean(xs)).toLocaleString('en-US')} events/s, ÷ main thread ${(mean(xs) / base).toFixed(2)}`);
}

export async function ceiling(ctx: Context): Promise<void> {
  const { settings: s } = ctx;
  for (const mode of ['read', 'parse'] as const) {
    const server = await startPortPrinter('bench/ceiling-server.ts', [mode]);
    try {
      const url = `${server.url}/`;
      const load = { seconds: s.warmupSeconds, connections: s.connections, contentType: NDJSON };
      await fullSpeed(url, ctx.bodies, load);
      const cpu = cpuWindow(server.pid);
      const harnessCpu = cpuWindow(process.pid);
      const machineCpu = machineWindow();
      const r = await fullSpeed(url, ctx.bodies, { ...load, seconds: s.seconds });
      const used = cpu.stop();
      const harnessUsed = harnessCpu.stop();
      const machineBusy = machineCpu.stop();
      const eventsPerSec = (r.requests2xx * s.eventsPerRequest) / r.seconds;
      const row: Row = {
        id: mode === 'read' ? '1a' : '1b',
        scenario: mode === 'read' ? 'ceiling: node:http, read body only' : 'ceiling: node:http + JSON.parse per line',
        eventsPerSec,
        mbPerSec: (r.requests2xx * averageBytes(ctx.bodies)) / r.seconds / 1e6,
        ...r.latencyMs,
        cpuCores: used.cpuCores,
        peakRssMb: peakRssMb(server.pid),
        notes: `${s.connections} connections, ${s.eventsPerRequest} events/request; CPU: generator ${harnessUsed.cpuCores.toFixed(2)}, machine ${machineBusy.toFixed(2)} cores`,
      };
      if (mode === 'read') ctx.measured.s1ReadEventsPerSec = eventsPerSec;
      else ctx.measured.s1ParseEventsPerSec = eventsPerSec;
      ctx.results.add(`s1-ceiling-${mode}`, [row], { load: r, cpu: used, generatorCpu: harnessUsed, machineBusyCores: machineBusy });
    } finally {
      await server.stop();
    }
  }
}
