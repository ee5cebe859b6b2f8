import { parseManifest } from '../src/manifest';
import { viteManifest } from './support/manifest-server';

const manifest = (chunks: Record<string, unknown>) => JSON.stringify(chunks);

describe('parseManifest', () => {
  it('finds the entry, its CSS and the files and CSS of the chunks it imports', () => {
    expect(parseManifest(viteManifest('h1'))).toEqual({
      script: 'assets/index-h1.js',
      styles: ['assets/index-h1.css', 'assets/vendor-h1.css'],
      preloads: ['assets/vendor-h1.js'],
    });
  });

  it('follows imports transitively, once each, even through a cycle', () => {
    const text = manifest({
      'src/main.ts': { file: 'assets/main.js', isEntry: true, imports: ['_a.js', '_b.js'] },
      '_a.js': { file: 'assets/a.js', imports: ['_b.js'] },
      '_b.js': { file: 'assets/b.js', imports: ['_a.js'], css: ['assets/b.css'] },
      'src/lazy.ts': { file: 'assets/lazy.js', isDynamicEntry: true },
    });
    expect(parseManifest(text)).toEqual({ script: 'assets/main.js', styles: ['assets/b.css'], preloads: ['assets/b.js', 'assets/a.js'] });
  });

  it.each([
    ['not JSON', '{"index.html": ', /manifest is not valid JSON/],
    ['an array', '[]', /must be a JSON object of chunks/],
    ['no entry', manifest({ 'a.js': { file: 'assets/a.js' } }), /exactly one chunk "isEntry": true \(found 0\)/],
    ['two entries', manifest({ a: { file: 'a.js', isEntry: true }, b: { file: 'b.js', isEntry: true } }), /found 2/],
    ['an entry without file', manifest({ 'index.html': { isEntry: true } }), /"index.html".file must be a relative path .*\(got undefined\)/],
    ['an absolute URL', manifest({ i: { file: 'https://evil.example/x.js', isEntry: true } }), /"i".file must be a relative path/],
    ['a path escaping the bundle', manifest({ i: { file: 'assets/../../x.js', isEntry: true } }), /"i".file must be a relative path/],
    ['a leading slash', manifest({ i: { file: '/x.js', isEntry: true } }), /"i".file must be a relative path/],
    ['a quote in a name', manifest({ i: { file: 'a".js', isEntry: true } }), /"i".file must be a relative path/],
    ['css that is not a list', manifest({ i: { file: 'a.js', isEntry: true, css: 'a.css' } }), /"i".css must be a list/],
    ['a bad css path', manifest({ i: { file: 'a.js', isEntry: true, css: ['<x>.css'] } }), /"i".css must be a relative path/],
    ['imports that are not keys', manifest({ i: { file: 'a.js', isEntry: true, imports: [1] } }), /"i".imports must list chunk keys/],
    ['a missing import', manifest({ i: { file: 'a.js', isEntry: true, imports: ['_gone.js'] } }), /chunk "_gone.js" is missing/],
  ])('rejects %s', (_, text, message) => {
    expect(() => parseManifest(text)).toThrow(message);
  });
});
