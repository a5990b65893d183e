// Maps a stream and an event time to a target index name, from a pattern such as
// "events-{stream}-{yyyy.MM.dd}". Date tokens use UTC. Pure.

export type IndexRouter = (timeMs: number) => string;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatDate(format: string, d: Date): string {
  return format
    .replace('yyyy', pad(d.getUTCFullYear(), 4))
    .replace('MM', pad(d.getUTCMonth() + 1, 2))
    .replace('dd', pad(d.getUTCDate(), 2))
    .replace('HH', pad(d.getUTCHours(), 2));
}

export function compileRouter(pattern: string, stream: string): IndexRouter {
  const withStream = pattern.replaceAll('{stream}', stream);
  const tokens = [...withStream.matchAll(/\{([^}]*)\}/g)];
  if (tokens.length === 0) return () => withStream;
  // Indices change at most hourly: cache names by hour. Events of one request or batch often
  // span many hours (backfills, several sources), so keep more than the last one (bounded).
  const byHour = new Map<number, string>();
  // One string per distinct name: the hours of one day share it, so comparing two events'
  // indices (bulk-line encoding does, per event) is a pointer comparison, not one of characters.
  const names = new Map<string, string>();
  let lastHour = Number.NaN;
  let lastName = '';
  return (timeMs) => {
    const hour = Math.floor(timeMs / 3_600_000);
    if (hour === lastHour) return lastName;
    let name = byHour.get(hour);
    if (name === undefined) {
      const d = new Date(timeMs);
      const made = withStream.replace(/\{([^}]*)\}/g, (_m, fmt: string) => formatDate(fmt, d));
      name = names.get(made) ?? made;
      if (byHour.size >= 1024) {
        byHour.clear();
        names.clear();
      }
      names.set(name, name);
      byHour.set(hour, name);
    }
    lastHour = hour;
    lastName = name;
    return name;
  };
}
