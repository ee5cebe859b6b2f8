/**
 * The pod harness refuses what it cannot start faithfully.
 * (Starting each real pod is what the live tests and the e2e run do.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appEntry, startPod } from '../../testing/pod';
import { api } from '../../workloads/api';
import { frontend } from '../../workloads/frontend';

describe('testing/pod', () => {
  it('starts each app from the entry point its Dockerfile runs', () => {
    expect(path.relative(path.join(__dirname, '../..'), appEntry(api.service))).toBe('services/api/src/server.ts');
    expect(path.relative(path.join(__dirname, '../..'), appEntry(frontend.service))).toBe('services/frontend-server/src/main.ts');
    for (const w of [api, frontend]) expect(fs.existsSync(appEntry(w.service))).toBe(true);
  });

  it('names the directory a workload\'s service must have', () => {
    expect(() => appEntry('search')).toThrow('services/search/Dockerfile not found: a workload\'s `service` names its directory under services/');
  });

  it('refuses to start a pod whose mounted secret it was given no value for', async () => {
    await expect(startPod(api)).rejects.toThrow('startPod: the pod mounts core\'s secret "mongodb-uri"; pass its value in options.secrets');
  });
});
