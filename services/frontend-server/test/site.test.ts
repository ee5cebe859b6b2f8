import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSite } from '../src/site';

describe('writeSite', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'frontend-site-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes nested files readable by other users and leaves no temp files', async () => {
    expect(await writeSite(dir, [['about/index.html', 'about'], ['index.html', 'home']])).toBe(2);
    expect(readFileSync(join(dir, 'about/index.html'), 'utf8')).toBe('about');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('home');
    expect(statSync(join(dir, 'index.html')).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(['about', 'index.html']);
  });

  it('leaves unchanged files alone, so their ETag stays the same', async () => {
    await writeSite(dir, [['a.html', 'same'], ['b.html', 'old']]);
    const before = statSync(join(dir, 'a.html')).ino;
    expect(await writeSite(dir, [['a.html', 'same'], ['b.html', 'new']])).toBe(1);
    expect(statSync(join(dir, 'a.html')).ino).toBe(before);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toBe('new');
  });

  it('never lets a reader see a partly written page', async () => {
    // Large pages make an in-place write observable; a rename-based one never is.
    const versions = ['a', 'b'].map((c) => c.repeat(1024 * 1024));
    await writeSite(dir, [['index.html', versions[0]]]);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 10; i++) await writeSite(dir, [['index.html', versions[i % 2]]]);
      writing = false;
    })();
    const seen = new Set<string>();
    while (writing) {
      const content = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(versions.includes(content)).toBe(true);
      seen.add(content[0]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer;
    expect(seen.size).toBeGreaterThan(0);
  });

  it('stops at the first failure, keeps the old file, and removes its temp file', async () => {
    await writeSite(dir, [['index.html', 'old home']]);
    writeFileSync(join(dir, 'blog'), 'a file where a directory must go');
    await expect(writeSite(dir, [['blog/post/index.html', 'post'], ['index.html', 'new home']])).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('old home');
    expect(readdirSync(dir).sort()).toEqual(['blog', 'index.html']);
  });

  it('removes the temp file when the rename fails', async () => {
    // A directory where the page should go: writing the temp file works, renaming over it does not.
    await writeSite(dir, [['x/index.html', 'x']]);
    await expect(writeSite(dir, [['x', 'page']])).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['x']);
    expect(existsSync(join(dir, 'x/index.html'))).toBe(true);
  });
});
