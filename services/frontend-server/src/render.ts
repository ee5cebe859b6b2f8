import { Assets } from './manifest';
import { FALLBACK_FILE, PageMeta, routeFile, Site } from './pages';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => ESCAPES[char]);

/** One HTML shell: the page's metadata and the current bundle in <head>; the app renders the body. */
export function renderPage(lang: string, meta: PageMeta, assets: Assets, assetBaseUrl: string): string {
  const e = escapeHtml;
  const href = (file: string) => e(assetBaseUrl + file);
  const openGraph = { title: meta.title, description: meta.description, url: meta.canonical, ...meta.openGraph };
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(meta.title)}</title>`,
    meta.description && `<meta name="description" content="${e(meta.description)}">`,
    meta.robots && `<meta name="robots" content="${e(meta.robots)}">`,
    meta.canonical && `<link rel="canonical" href="${e(meta.canonical)}">`,
    ...Object.entries(openGraph).map(([key, value]) => value && `<meta property="og:${e(key)}" content="${e(value)}">`),
    ...Object.entries(meta.twitter).map(([key, value]) => `<meta name="twitter:${e(key)}" content="${e(value)}">`),
    ...assets.styles.map((file) => `<link rel="stylesheet" href="${href(file)}">`),
    ...assets.preloads.map((file) => `<link rel="modulepreload" href="${href(file)}">`),
    `<script type="module" src="${href(assets.script)}"></script>`,
  ];
  const body = '<div id="app"></div>';
  return `<!doctype html>\n<html lang="${e(lang)}">\n<head>\n${head.filter(Boolean).join('\n')}\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

/** Every file of the site as [relative path, HTML]; index.html comes last because it is the readiness file. */
export function renderSite(site: Site, assets: Assets, assetBaseUrl: string): Array<[string, string]> {
  const files: Array<[string, string]> = site.pages.map((page) => [routeFile(page.route), renderPage(site.lang, page, assets, assetBaseUrl)]);
  files.unshift([FALLBACK_FILE, renderPage(site.lang, site.fallback, assets, assetBaseUrl)]);
  return files.sort(([a], [b]) => Number(a === 'index.html') - Number(b === 'index.html'));
}

/**
 * The site before any bundle exists (the manifest answers 404): every page a valid, script-free
 * document saying so, with its title and `noindex`, refreshed by the browser. Written so NGINX
 * answers 200 and the pod turns ready on a first deploy; the first manifest replaces every file.
 */
export function renderPlaceholderSite(site: Site): Array<[string, string]> {
  const e = escapeHtml;
  const page = (meta: PageMeta): string =>
    [
      '<!doctype html>',
      `<html lang="${e(site.lang)}">`,
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<meta name="robots" content="noindex">',
      '<meta http-equiv="refresh" content="60">',
      `<title>${e(meta.title)}</title>`,
      '</head>',
      '<body>',
      `<main><h1>${e(meta.title)}</h1><p>This site is being deployed. Please try again in a minute.</p></main>`,
      '</body>',
      '</html>',
      '',
    ].join('\n');
  const files: Array<[string, string]> = site.pages.map((p) => [routeFile(p.route), page(p)]);
  files.unshift([FALLBACK_FILE, page(site.fallback)]);
  return files.sort(([a], [b]) => Number(a === 'index.html') - Number(b === 'index.html'));
}
