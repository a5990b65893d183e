// Opens the disk spool for the gateway (config from GATEWAY_SPOOL_*) and presents it as the
// pipeline's SpoolPort; logs what recovery found.
import type { FastifyBaseLogger } from 'fastify';
import type { SpoolConfig } from '../config/config.ts';
import type { FsyncHook } from './durable-files.ts';
import type { SpoolPort } from './spool-port.ts';
import type { RecoveryReport } from './recovery.ts';
import { Spool, SpoolClosedError, type SpoolPosition } from './spool.ts';

export interface OpenedSpoolPort {
  port: SpoolPort;
  spool: Spool;
  recovery: RecoveryReport;
}

/** `onFsync`: told of every fsync and its duration (the gateway's metrics). */
export async function openSpoolPort(config: SpoolConfig, log: FastifyBaseLogger, onFsync?: FsyncHook): Promise<OpenedSpoolPort> {
  const started = performance.now();
  const spool = await Spool.open(config.dir, {
    segmentBytes: config.segmentBytes,
    maxBytes: config.maxBytes,
    fsync: config.fsync,
    fsyncIntervalMs: config.fsyncIntervalMs,
    onFsync,
  });
  const r = spool.recovery;
  const fields = { dir: config.dir, ...r, quarantinedFiles: r.quarantinedFiles.length > 0 ? r.quarantinedFiles : undefined, ms: Math.round(performance.now() - started) };
  if (r.corruptRecords > 0 || r.checkpoint === 'invalid') log.error(fields, 'spool opened: corrupt data quarantined (see the quarantine folder) or checkpoint unreadable');
  else if (r.tornBytesTruncated > 0) log.warn(fields, 'spool opened: a torn last record (interrupted write) was cut off');
  else log.info(fields, 'spool opened');
  const port: SpoolPort = {
    append: (events, syncAtOnce) => spool.append(events, syncAtOnce),
    appendForDelivery: (events, syncAtOnce) => spool.appendForDelivery(events, syncAtOnce),
    read: (maxEvents, maxBytes) => spool.read(maxEvents, maxBytes),
    async commit(position) {
      try {
        await spool.commit(position as SpoolPosition);
      } catch (err) {
        // Closed at shutdown while a batch was finishing: it is sent again after the restart, and
        // its fixed ids make that a duplicate in Elasticsearch, not a second document.
        if (!(err instanceof SpoolClosedError)) throw err;
      }
    },
    release: (position) => spool.release(position as SpoolPosition),
    get pendingEvents() { return spool.stats().pendingEvents; },
    get unreadEvents() { return spool.unreadEventCount; },
    get bytesOnDisk() { return spool.stats().bytesOnDisk; },
    close: () => spool.close(),
  };
  return { port, spool, recovery: r };
}
