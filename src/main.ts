// Process entry: configuration from the environment, the app, listen, signals, graceful drain.
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type GatewayConfig } from './config/config.ts';
import { buildApp } from './app.ts';
import { SpoolLockedError } from './spool/spool-lock.ts';
import { shutdownTracing } from './telemetry/tracing.ts';

function readConfig(): GatewayConfig {
  const file = process.env.GATEWAY_CONFIG_FILE;
  let parsed: unknown;
  if (file !== undefined && file !== '') {
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError([`GATEWAY_CONFIG_FILE ${file}: ${(err as Error).message}`]);
    }
  }
  return loadConfig(process.env, parsed);
}

/**
 * Loading the modules and compiling the validators leaves garbage behind, and V8 grows the young
 * generation to its limit (16 MB semi-spaces) while nearly everything allocated survives. Nothing
 * collects that while the gateway idles: V8's memory reducer only starts after a full GC. One
 * memory-reducing full GC (the kind the memory reducer runs) before listening returns it, once
 * (bench/README.md, "Idle RSS"); under load the young generation grows back as before. `gc`
 * exists with --expose-gc (src/runtime-flags.ts); without it, skipped.
 */
function releaseStartupMemory(): void {
  globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = readConfig();
    if (config.auth.enabled && config.auth.keysFile === undefined) {
      throw new ConfigError(['GATEWAY_AUTH=on (the default) needs GATEWAY_KEYS_FILE: create keys with `es-gateway keys create --name … --tenant … --ops ingest --streams …`; for local development only, GATEWAY_AUTH=off']);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp(config);
  } catch (err) {
    // Another process holds the spool (after the lock's bounded wait): an operator's problem, not
    // a bug, so one line naming the folder and the holder's pid, like a configuration error.
    if (err instanceof SpoolLockedError) {
      process.stderr.write(`cannot start: ${err.message}; stop that process or set GATEWAY_SPOOL_DIR to another folder\n`);
      process.exit(1);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: intake stopped, flushing queued events');
    app.gateway.stopIntake();
    app.close().then(shutdownTracing).then(
      () => process.exit(app.gateway.unflushedAtClose > 0 ? 1 : 0),
      (err: unknown) => { app.log.error({ err }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    app.log.info({ signal: 'SIGHUP' }, 'reading the keys file again');
    app.gateway.reloadKeys();
  });
  await app.ready();
  releaseStartupMemory();
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info({ address }, 'es-gateway listening');
}

await main();
