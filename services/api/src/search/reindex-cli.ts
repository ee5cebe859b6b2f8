// `npm run search:reindex` (or, in an api pod, `node dist/search/reindex-cli.js`): rebuilds the
// search index from MongoDB with zero downtime (reindex.ts). Reads the api's own settings
// (MONGODB_URI_FILE or MONGODB_URI, MONGODB_DB, SEARCH_*). Flags: --keep-old keeps the previous index.
import { MongoClient } from 'mongodb';
import { ConfigError, loadToolConfig } from '../config';
import { SearchEngine } from './engine';
import { reindex } from './reindex';

async function main(): Promise<number> {
  let config: ReturnType<typeof loadToolConfig>;
  try {
    config = loadToolConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`search:reindex: invalid settings: ${err.message}\n`);
    return 2;
  }
  if (!config.search) {
    process.stderr.write('search:reindex: SEARCH_NODES is unset; set it (and SEARCH_USERNAME, SEARCH_PASSWORD_FILE) to the engine to reindex\n');
    return 2;
  }
  const client = await new MongoClient(config.mongo.uri, { appName: 'isoscribe-search-reindex' }).connect();
  const engine = new SearchEngine(config.search);
  try {
    const started = Date.now();
    const result = await reindex(client.db(config.mongo.dbName), engine, {
      keepOld: process.argv.includes('--keep-old'),
      log: (message) => process.stdout.write(`search:reindex: ${message}\n`),
    });
    process.stdout.write(`search:reindex: done: ${result.documents} documents in ${result.index} (${Date.now() - started} ms)\n`);
    return 0;
  } finally {
    await engine.close();
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`search:reindex: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
