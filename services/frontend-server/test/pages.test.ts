import { parsePages, routeFile } from '../src/pages';

const parse = (text: string) => parsePages(text, 'pages.yaml');

describe('parsePages', () => {
  const yaml = `
lang: en-GB
pages:
  - route: /
    title: Isoscribe
    description: Write together.
    canonical: https://isoscribe.com/
    openGraph: { type: website, "image:width": 1200 }
    twitter: { card: summary }
  - route: /about
    title: About
    robots: noindex
`;

  it('reads YAML, with defaults for optional fields', () => {
    const site = parse(yaml);
    expect(site.lang).toBe('en-GB');
    expect(site.pages[0]).toEqual({
      route: '/',
      title: 'Isoscribe',
      description: 'Write together.',
      canonical: 'https://isoscribe.com/',
      robots: undefined,
      openGraph: { type: 'website', 'image:width': '1200' },
      twitter: { card: 'summary' },
    });
    expect(site.pages[1]).toMatchObject({ route: '/about', title: 'About', robots: 'noindex', openGraph: {}, twitter: {} });
  });

  it('reads the same definitions as JSON', () => {
    const json = JSON.stringify({ lang: 'en-GB', pages: parse(yaml).pages.map(({ robots, ...page }) => (robots ? { ...page, robots } : page)) });
    expect(parse(json)).toEqual(parse(yaml));
  });

  it('gives the SPA fallback the home title and description but not its canonical URL', () => {
    expect(parse(yaml).fallback).toEqual({ title: 'Isoscribe', description: 'Write together.', openGraph: {}, twitter: {} });
    expect(parse(`${yaml}fallback: { title: App, robots: noindex }\n`).fallback).toMatchObject({ title: 'App', robots: 'noindex' });
    expect(parse(yaml).lang).toBe('en-GB');
    expect(parse('pages: [{ route: /, title: T }]').lang).toBe('en');
  });

  it.each([
    ['broken YAML', 'pages: [', /pages.yaml: not valid JSON or YAML: .*line 1/],
    ['no pages', 'lang: en', /"pages" must be a non-empty list of pages/],
    ['an empty list', 'pages: []', /"pages" must be a non-empty list/],
    ['a bad lang', 'lang: "en gb"\npages: [{ route: /, title: T }]', /"lang" must be a language tag/],
    ['a route without a slash', 'pages: [{ route: about, title: T }]', /pages\[0\].route must be a path like "\/"/],
    ['a traversal route', 'pages: [{ route: /, title: T }, { route: /a/../../etc, title: T }]', /pages\[1\].route must be a path/],
    ['a hidden segment', 'pages: [{ route: /.git, title: T }]', /pages\[0\].route must be a path/],
    ['a trailing slash', 'pages: [{ route: /about/, title: T }]', /pages\[0\].route must be a path/],
    ['a route with a query', 'pages: [{ route: "/a?b", title: T }]', /pages\[0\].route must be a path/],
    ['the fallback file as a route', 'pages: [{ route: /200.html, title: T }]', /other than the fallback file/],
    ['a duplicate route', 'pages: [{ route: /, title: A }, { route: /, title: B }]', /pages\[1\].route must be unique \(got "\/"\)/],
    ['no home page', 'pages: [{ route: /about, title: T }]', /include the route "\/"/],
    ['a page that is not a mapping', 'pages: [hello]', /pages\[0\].route must be a path/],
    ['a missing title', 'pages: [{ route: / }]', /pages\[0\].title must be a non-empty string/],
    ['a blank title', 'pages: [{ route: /, title: "  " }]', /pages\[0\].title must be a non-empty string/],
    ['a number description', 'pages: [{ route: /, title: T, description: 5 }]', /pages\[0\].description must be a non-empty string \(got 5\)/],
    ['a misspelt field', 'pages: [{ route: /, title: T, descripton: x }]', /pages\[0\].descripton must be one of route, title, description/],
    ['a relative canonical', 'pages: [{ route: /, title: T, canonical: /home }]', /pages\[0\].canonical must be an absolute http\(s\) URL/],
    ['a javascript: canonical', 'pages: [{ route: /, title: T, canonical: "javascript:alert(1)" }]', /canonical must be an absolute http\(s\) URL/],
    ['openGraph as a list', 'pages: [{ route: /, title: T, openGraph: [a] }]', /pages\[0\].openGraph must be a mapping/],
    ['a bad tag name', 'pages: [{ route: /, title: T, twitter: { "x\\" y": 1 } }]', /pages\[0\].twitter.x" y must be named with lowercase/],
    ['a nested tag value', 'pages: [{ route: /, title: T, openGraph: { image: { url: x } } }]', /pages\[0\].openGraph.image must be a string/],
    ['a bad fallback', 'pages: [{ route: /, title: T }]\nfallback: { description: x }', /fallback.title must be a non-empty string/],
  ])('rejects %s, naming the field', (_, text, message) => {
    expect(() => parse(text)).toThrow(message);
  });
});

describe('routeFile', () => {
  it('maps routes to the files try_files $uri/index.html finds', () => {
    expect(routeFile('/')).toBe('index.html');
    expect(routeFile('/about')).toBe('about/index.html');
    expect(routeFile('/blog/first-post')).toBe('blog/first-post/index.html');
  });
});
