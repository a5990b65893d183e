// A FAKE Elasticsearch, for tests about the gateway's own input handling only (the fuzz suite):
// it answers every bulk item `created` (or `deleted`, `updated`) at once, and cluster health
// green, with the product header the client checks. It indexes nothing; never use it where
// what Elasticsearch does matters — the integration tests use a real node.
import { createServer, type Server } from 'node:http';

export interface FakeUpstream {
  url: string;
  /** Bulk items it answered. */
  readonly items: number;
  close(): Promise<void>;
}

function bulkAnswer(body: string): { took: number; errors: false; items: Record<string, unknown>[] } {
  const items: Record<string, unknown>[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const action = JSON.parse(line) as Record<string, { _index?: string; _id?: string }>;
    const [op = 'index', meta = {}] = Object.entries(action)[0] ?? [];
    if (op !== 'delete') i++; // its source line
    const status = op === 'create' ? 201 : 200;
    const result = op === 'delete' ? 'deleted' : op === 'update' ? 'updated' : 'created';
    items.push({ [op]: { _index: meta._index ?? 'fake', _id: meta._id ?? `fake-${items.length}`, _version: 1, result, _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: items.length, _primary_term: 1, status } });
  }
  return { took: 1, errors: false, items };
}

/** Starts the fake on a free loopback port. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  let items = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      res.setHeader('x-elastic-product', 'Elasticsearch');
      res.setHeader('content-type', 'application/json');
      const path = (req.url ?? '/').split('?')[0] as string;
      if (path.endsWith('/_bulk')) {
        const answer = bulkAnswer(Buffer.concat(parts).toString('utf8'));
        items += answer.items.length;
        res.end(JSON.stringify(answer));
      } else if (path.startsWith('/_cluster/health')) {
        res.end(JSON.stringify({ cluster_name: 'fake', status: 'green', number_of_nodes: 1 }));
      } else {
        res.end(JSON.stringify({ acknowledged: true }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get items() { return items; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
