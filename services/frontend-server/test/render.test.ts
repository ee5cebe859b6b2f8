import { Assets } from '../src/manifest';
import { parsePages } from '../src/pages';
import { escapeHtml, renderPage, renderSite } from '../src/render';

const assets: Assets = { script: 'assets/index-abc.js', styles: ['assets/index-abc.css'], preloads: ['assets/vendor-abc.js'] };

describe('renderPage', () => {
  it('writes the metadata and links the bundle under the asset base URL', () => {
    const meta = {
      title: 'Isoscribe',
      description: 'Write together.',
      canonical: 'https://isoscribe.com/',
      robots: 'index, follow',
      openGraph: { image: 'https://isoscribe.com/static/og.png' },
      twitter: { card: 'summary_large_image' },
    };
    expect(renderPage('en', meta, assets, '/static/')).toBe(
      [
        '<!doctype html>',
        '<html lang="en">',
        '<head>',
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>Isoscribe</title>',
        '<meta name="description" content="Write together.">',
        '<meta name="robots" content="index, follow">',
        '<link rel="canonical" href="https://isoscribe.com/">',
        '<meta property="og:title" content="Isoscribe">',
        '<meta property="og:description" content="Write together.">',
        '<meta property="og:url" content="https://isoscribe.com/">',
        '<meta property="og:image" content="https://isoscribe.com/static/og.png">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<link rel="stylesheet" href="/static/assets/index-abc.css">',
        '<link rel="modulepreload" href="/static/assets/vendor-abc.js">',
        '<script type="module" src="/static/assets/index-abc.js"></script>',
        '</head>',
        '<body>',
        '<div id="app"></div>',
        '</body>',
        '</html>',
        '',
      ].join('\n'),
    );
  });

  it('leaves out tags for fields that are not set, and lets openGraph override the defaults', () => {
    const html = renderPage('de', { title: 'T', openGraph: { title: 'Shared title' }, twitter: {} }, { script: 'a.js', styles: [], preloads: [] }, 'https://cdn.example/');
    expect(html).toContain('<html lang="de">');
    expect(html).not.toMatch(/description|robots|canonical|og:url|stylesheet|modulepreload|twitter/);
    expect(html).toContain('<meta property="og:title" content="Shared title">');
    expect(html).toContain('<script type="module" src="https://cdn.example/a.js"></script>');
  });
});

describe('escaping', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('keeps every metadata field from injecting markup', () => {
    const attack = `</title><script>alert(1)</script>" onload="alert(2)' x='`;
    const meta = {
      title: attack,
      description: attack,
      canonical: `https://isoscribe.com/"><script>alert(3)</script>`,
      robots: attack,
      openGraph: { image: attack },
      twitter: { site: attack },
    };
    const html = renderPage('en', meta, assets, '/static/');
    // The only script tag is the bundle's, and no attribute value ends early.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/onload="/);
    expect(html).not.toContain(`'`);
    expect(html).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;alert(2)&#39; x=&#39;</title>');
    // Each line is exactly one tag: nothing broke out of its attribute or element.
    for (const line of html.split('\n').filter((l) => l.startsWith('<meta') || l.startsWith('<link'))) {
      expect(line).toMatch(/^<(meta|link) [^<>]*>$/);
    }
  });
});

describe('renderSite', () => {
  const site = parsePages(
    `pages:
  - { route: /, title: Home }
  - { route: /about, title: About }
  - { route: /blog/first-post, title: First }
`,
    'pages.yaml',
  );

  it('writes one file per route, the SPA fallback, and index.html (the readiness file) last', () => {
    const files = renderSite(site, assets, '/static/');
    expect(files.map(([name]) => name)).toEqual(['200.html', 'about/index.html', 'blog/first-post/index.html', 'index.html']);
    expect(files[1][1]).toContain('<title>About</title>');
    expect(files[0][1]).toContain('<title>Home</title>');
    expect(files[0][1]).not.toContain('canonical');
  });
});
