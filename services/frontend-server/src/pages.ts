import { parse as parseYaml, YAMLError } from 'yaml';

/** The SPA shell NGINX serves for routes without their own page (`try_files ... /200.html`). */
export const FALLBACK_FILE = '200.html';

export interface PageMeta {
  title: string;
  description?: string;
  canonical?: string;
  robots?: string;
  openGraph: Record<string, string>;
  twitter: Record<string, string>;
}
export type Page = PageMeta & { route: string };
export type Site = { lang: string; pages: Page[]; fallback: PageMeta };

const META_FIELDS = ['title', 'description', 'canonical', 'robots', 'openGraph', 'twitter'];
// Segments never start with "." (so no "..", no hidden files) and hold nothing that needs URL escaping.
const ROUTE = /^\/$|^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(field: string, want: string, got?: unknown): never {
  throw new Error(`${field} must be ${want}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`);
}

/** The file a route is written to; NGINX finds it with `try_files $uri $uri/index.html ...`. */
export const routeFile = (route: string): string => (route === '/' ? 'index.html' : `${route.slice(1)}/index.html`);

/** Parses and checks page definitions; JSON is valid YAML 1.2, so one parser reads both. */
export function parsePages(text: string, source: string): Site {
  try {
    return checkPages(parseYaml(text));
  } catch (error) {
    const why = error instanceof YAMLError ? `not valid JSON or YAML: ${error.message}` : (error as Error).message;
    throw new Error(`${source}: ${why}`);
  }
}

function checkPages(doc: unknown): Site {
  if (!isRecord(doc) || !Array.isArray(doc.pages) || doc.pages.length === 0) fail('"pages"', 'a non-empty list of pages');
  const lang = doc.lang ?? 'en';
  if (typeof lang !== 'string' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) fail('"lang"', 'a language tag like "en" or "pt-BR"', lang);
  const pages = doc.pages.map((raw: unknown, i: number): Page => {
    const { route, ...meta } = isRecord(raw) ? raw : { route: undefined };
    if (typeof route !== 'string' || !ROUTE.test(route)) fail(`pages[${i}].route`, 'a path like "/" or "/blog/post" (no segment starting with ".")', route);
    if (route.split('/')[1] === FALLBACK_FILE) fail(`pages[${i}].route`, `other than the fallback file "/${FALLBACK_FILE}"`, route);
    return { route, ...parseMeta(meta, `pages[${i}]`) };
  });
  pages.forEach((page, i) => pages.findIndex((other) => other.route === page.route) < i && fail(`pages[${i}].route`, 'unique', page.route));
  const home = pages.find((page) => page.route === '/') ?? fail('"pages"', 'include the route "/" (its index.html is the readiness file)');
  // Unknown routes get the home page's title and description but no canonical URL: it is not their address.
  const fallback = doc.fallback ?? { title: home.title, ...(home.description && { description: home.description }) };
  return { lang, pages, fallback: parseMeta(fallback, 'fallback') };
}

function parseMeta(raw: unknown, at: string): PageMeta {
  if (!isRecord(raw)) fail(at, 'a mapping of page fields');
  for (const key of Object.keys(raw)) if (!META_FIELDS.includes(key)) fail(`${at}.${key}`, `one of route, ${META_FIELDS.join(', ')}`, key);
  const text = (key: string): string | undefined => {
    const value = raw[key];
    if (value !== undefined && (typeof value !== 'string' || !value.trim())) fail(`${at}.${key}`, 'a non-empty string', value);
    return value as string | undefined;
  };
  const tags = (key: string): Record<string, string> => {
    const value = raw[key] ?? {};
    if (!isRecord(value)) fail(`${at}.${key}`, 'a mapping like { image: "https://..." }', value);
    return Object.fromEntries(
      Object.entries(value).map(([name, tag]) => {
        if (!/^[a-z][a-z0-9_:]*$/.test(name)) fail(`${at}.${key}.${name}`, 'named with lowercase letters, digits, "_" or ":"', name);
        if (typeof tag !== 'string' && typeof tag !== 'number') fail(`${at}.${key}.${name}`, 'a string', tag);
        return [name, String(tag)];
      }),
    );
  };
  const canonical = text('canonical');
  if (canonical !== undefined && !/^https?:\/\/\S+$/.test(canonical)) fail(`${at}.canonical`, 'an absolute http(s) URL', canonical);
  const title = text('title') ?? fail(`${at}.title`, 'a non-empty string');
  return { title, description: text('description'), canonical, robots: text('robots'), openGraph: tags('openGraph'), twitter: tags('twitter') };
}
