/**
 * What the image tests share: a builder per test file (its stage cache spans the file's tests), and
 * what every workload's image is, being built from the one Node.js service Dockerfile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageBuilder, type Image } from '../../../tools/image-check/build';
import type { WorkloadDefinition } from '../../../workloads';
import { repoRoot } from './variant';

/** A builder for this test file and a list of temporary copies to remove; both go after its tests. */
export function builderForTestFile(): { builder: ImageBuilder; cleanup: string[] } {
  const builder = new ImageBuilder();
  const cleanup: string[] = [];
  afterAll(() => {
    builder.cleanup();
    for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { builder, cleanup };
}

/** node runs the workspace's own package.json "main" (CMD ["."]) as 65532, in production mode. */
export function expectNodeServiceImage(image: Image, workload: WorkloadDefinition): void {
  expect(image.command).toEqual(['/nodejs/bin/node', '.']);
  const own = JSON.parse(fs.readFileSync(path.join(repoRoot, 'services', workload.service, 'package.json'), 'utf8'));
  expect(own.main).toMatch(/^dist\/\w+\.js$/);
  expect(JSON.parse(fs.readFileSync(image.hostPath('/app/package.json'), 'utf8'))).toEqual(own);
  expect(image.user).toEqual({ uid: 65532, gid: 65532 });
  expect(image.env.NODE_ENV).toBe('production');
}
