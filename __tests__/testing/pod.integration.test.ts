/**
 * The pod harness refuses what it cannot start faithfully.
 * (Starting each real pod is what the live tests and the e2e run do.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appEntry, startPod } from '../../testing/pod';
import { api } from '../../workloads/api';
import { frontend } from '../../workloads/frontend';

describe('testing/pod', () => {
  it('starts each app from the entry point its image runs (package.json "main")', () => {
    expect(path.relative(path.join(__dirname, '../..'), appEntry(api.service))).toBe('services/api/src/server.ts');
    expect(path.relative(path.join(__dirname, '../..'), appEntry(frontend.service))).toBe('services/frontend-server/src/main.ts');
    for (const w of [api, frontend]) expect(fs.existsSync(appEntry(w.service))).toBe(true);
  });

  it('names the directory a workload\'s service must have', () => {
    expect(() => appEntry('search')).toThrow('services/search/package.json not found: a workload\'s `service` names its npm workspace under services/');
  });

  it('refuses a workspace whose package.json "main" is not a built entry point', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-services-'));
    try {
      fs.mkdirSync(path.join(dir, 'search'));
      fs.writeFileSync(path.join(dir, 'search/package.json'), '{"main":"src/main.ts"}');
      expect(() => appEntry('search', dir)).toThrow('services/search/package.json: "main" must name the built entry point, "dist/<entry>.js" (got "src/main.ts"); the image runs it');
      fs.writeFileSync(path.join(dir, 'search/package.json'), '{"main":"dist/main.js"}');
      expect(appEntry('search', dir)).toBe(path.join(dir, 'search/src/main.ts'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start a pod whose mounted secret it was given no value for', async () => {
    await expect(startPod(api)).rejects.toThrow('startPod: the pod mounts core\'s secret "mongodb-uri"; pass its value in options.secrets');
  });
});
