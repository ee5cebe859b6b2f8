// The search index's settings and mapping. Indices are versioned (`<alias>_v<MAPPING_VERSION>_<stamp>`)
// and reached only through the alias, so a changed mapping ships as a new index filled by
// `search:reindex` and swapped in atomically (reindex.ts). Bump MAPPING_VERSION with any change here.

export const MAPPING_VERSION = 1;

/** What a document looks like in the index: the searchable fields plus what a hit shows. */
export interface IndexedDocument {
  id: string;
  title: string;
  body: string;
  author: string;
  tags: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function indexBody(): Record<string, unknown> {
  return {
    settings: {
      // One shard: 10^4..10^6 documents fit one comfortably, and one shard scores every page of a
      // query from the same term statistics, which keeps search_after pagination stable.
      number_of_shards: 1,
      // One replica once a second node exists: losing a node loses neither data nor search.
      auto_expand_replicas: '0-1',
      // Writes show in search within a refresh; the 2 s p99 indexing-lag budget holds this and a poll.
      refresh_interval: '1s',
      // How long the engine remembers a deleted document's version: a late, older write of the same
      // document is refused (not resurrected) within this window, which is far longer than an
      // indexing round trip can be held up (SEARCH_TIMEOUT_MS).
      gc_deletes: '10m',
      // Analyzers from the analysis-common module.
      analysis: {
        filter: {
          english_possessive: { type: 'stemmer', language: 'possessive_english' },
          english_stop: { type: 'stop', stopwords: '_english_' },
          english_stemmer: { type: 'stemmer', language: 'english' },
          // "machine-learning" and "machine learning" both match the tag "machine-learning".
          word_parts: { type: 'word_delimiter_graph', preserve_original: true },
        },
        analyzer: {
          document_text: { type: 'custom', tokenizer: 'standard', filter: ['english_possessive', 'lowercase', 'asciifolding', 'english_stop', 'english_stemmer'] },
          name_text: { type: 'custom', tokenizer: 'whitespace', filter: ['word_parts', 'lowercase', 'asciifolding'] },
        },
      },
    },
    mappings: {
      // A field the mapping does not know is refused, never guessed (a guessed type is a future conflict).
      dynamic: 'strict',
      _meta: { mappingVersion: MAPPING_VERSION },
      properties: {
        // Sorting and search_after tie-break on this (sorting on _id needs field data).
        id: { type: 'keyword' },
        // Offsets in the postings: highlighting a long body reads them instead of re-analysing it.
        title: { type: 'text', analyzer: 'document_text', index_options: 'offsets' },
        body: { type: 'text', analyzer: 'document_text', index_options: 'offsets' },
        tags: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'name_text' } } },
        author: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'name_text' } } },
        version: { type: 'long', index: false },
        createdAt: { type: 'date' },
        updatedAt: { type: 'date' },
      },
    },
  };
}

/** A new versioned index name behind `alias`: sorts by mapping version, then creation time. */
export function newIndexName(alias: string, now = new Date()): string {
  return `${alias}_v${MAPPING_VERSION}_${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 17)}`;
}

/** The index the api creates when the alias does not exist yet: the same name on every pod, so concurrent starts create it once. */
export function firstIndexName(alias: string): string {
  return `${alias}_v${MAPPING_VERSION}_initial`;
}

/**
 * `<alias>*`: every index and alias the api names (the versioned indices, the building alias). The
 * engine's role grants the api this pattern (the OpensearchRole in constructs/search/opensearch-cluster.ts), so alias
 * lookups are scoped to it: an unscoped one covers every index, the security plugin's own included,
 * and the plugin refuses it (403).
 */
export function indexPattern(alias: string): string {
  return `${alias}*`;
}

/** While a reindex fills a new index, this alias names it so the indexer writes there too. */
export function buildingAlias(alias: string): string {
  return `${alias}-building`;
}
