import { isRecord } from './pages';

/** What a page links to, as paths relative to the asset base URL. */
export type Assets = { script: string; styles: string[]; preloads: string[] };

// Hashed build output like "assets/index-B2x_9.js": relative, no "..", nothing that needs escaping.
const ASSET_PATH = /^(?!.*\.\.)[A-Za-z0-9_-][A-Za-z0-9._~\/-]*$/;

/**
 * Reads a Vite manifest (`build.manifest: true`): the one chunk marked `isEntry`, its CSS, and the
 * files and CSS of the chunks it imports, as Vite's backend-integration guide describes.
 */
export function parseManifest(text: string): Assets {
  let chunks: unknown;
  try {
    chunks = JSON.parse(text);
  } catch (error) {
    throw new Error(`manifest is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(chunks)) throw new Error('manifest must be a JSON object of chunks keyed by source path');
  const entries = Object.keys(chunks).filter((key) => isRecord(chunks[key]) && chunks[key].isEntry === true);
  if (entries.length !== 1) throw new Error(`manifest must mark exactly one chunk "isEntry": true (found ${entries.length})`);

  const styles = new Set<string>();
  const preloads = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: string): string => {
    seen.add(key);
    const chunk = chunks[key];
    if (!isRecord(chunk)) throw new Error(`manifest chunk "${key}" is missing or not an object`);
    for (const css of list(chunk, 'css', key)) styles.add(assetPath(css, `"${key}".css`));
    for (const imported of list(chunk, 'imports', key)) {
      if (typeof imported !== 'string') throw new Error(`manifest "${key}".imports must list chunk keys (got ${JSON.stringify(imported)})`);
      if (!seen.has(imported)) preloads.add(visit(imported));
    }
    return assetPath(chunk.file, `"${key}".file`);
  };
  const script = visit(entries[0]);
  return { script, styles: [...styles], preloads: [...preloads] };
}

function list(chunk: Record<string, unknown>, field: string, key: string): unknown[] {
  if (chunk[field] !== undefined && !Array.isArray(chunk[field])) throw new Error(`manifest "${key}".${field} must be a list`);
  return (chunk[field] as unknown[] | undefined) ?? [];
}

function assetPath(value: unknown, field: string): string {
  if (typeof value === 'string' && ASSET_PATH.test(value)) return value;
  throw new Error(`manifest ${field} must be a relative path like "assets/index-1a2b3c.js" (got ${JSON.stringify(value)})`);
}
