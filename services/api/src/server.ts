// Entrypoint: read settings, listen on the unix socket (or a TCP port for local runs), and shut
// down gracefully on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_MS.
import { lstatSync, unlinkSync } from 'node:fs';
import { buildApp } from './app';
import { Config, ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`isoscribe-api: invalid settings: ${err.message}\n`);
    process.exit(2);
  }

  const app = buildApp(config);
  if ('socketPath' in config.listen) {
    removeStaleSocket(config.listen.socketPath);
    // The NGINX container runs as another user: it must be able to connect to the socket.
    await app.listen({ path: config.listen.socketPath, readableAll: true, writableAll: true });
  } else {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      app.log.error(`shutdown took over SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms); exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    app.close().then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** A socket left by a killed predecessor (the emptyDir outlives containers) blocks listen(). */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

main().catch((err) => {
  process.stderr.write(`isoscribe-api: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
