import { readFileSync } from 'node:fs';
import { runDaemon } from './daemon';
import { createLogger, reason } from './log';
import { FrontendMetrics, startMetricsServer } from './metrics';
import { parsePages, Site } from './pages';
import { readSettings, Settings } from './settings';

// Settings and pages are checked before anything else: a bad value stops the container with its name.
let settings: Settings, site: Site;
try {
  settings = readSettings(process.env);
  site = parsePages(readFileSync(settings.pagesFile, 'utf8'), `PAGES_FILE ${settings.pagesFile}`);
} catch (error) {
  createLogger('error')('error', 'invalid_settings', { error: reason(error) });
  process.exit(1);
}

const log = createLogger(settings.logLevel);
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log('info', 'stopping', { signal });
    stop.abort(); // also aborts an in-flight manifest fetch
  });
}
const metrics = settings.metrics && new FrontendMetrics();
const listening = metrics && settings.metrics ? startMetricsServer(metrics.registry, settings.metrics.host, settings.metrics.port) : Promise.resolve(undefined);
listening.then(
  () => runDaemon(settings, site, stop.signal, log, metrics).then(() => process.exit(0)),
  (error) => {
    log('error', 'metrics_listen_failed', { error: reason(error), port: settings.metrics?.port });
    process.exit(1);
  },
);
