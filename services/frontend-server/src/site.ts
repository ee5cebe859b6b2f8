import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes the files in order, each to a temp file in its own directory and then renamed over the old
 * one, so NGINX serves either the old page or the new one, never half of one. Files whose content
 * did not change are left alone, which keeps their ETag and Last-Modified stable for caches.
 * Returns how many files were written.
 */
export async function writeSite(outputDir: string, files: Array<[string, string]>): Promise<number> {
  let written = 0;
  for (const [name, html] of files) {
    const path = join(outputDir, name);
    if ((await readFile(path, 'utf8').catch(() => undefined)) === html) continue;
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    try {
      await writeFile(temp, html);
      await chmod(temp, 0o644); // NGINX may run as another user; the umask must not hide pages from it.
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    written++;
  }
  return written;
}
