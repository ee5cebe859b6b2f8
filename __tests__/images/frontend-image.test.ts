// The frontend-server image's build reproduced without a container runtime (none runs here): the
// Dockerfile's own stages, then its CMD as uid 65532 in a root-owned tree, with the pod's env,
// pages ConfigMap and output emptyDir, against a loopback bundle manifest. See scripts/images.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageBuilder } from '../../scripts/images/build';
import { checkServiceImage } from '../../scripts/images/pods';
import { dockerfileVariant, moveToDevDependencies, repoRoot, workspaceVariant } from './support/variant';

jest.setTimeout(180_000);

const DOCKERFILE = 'services/frontend-server/Dockerfile';
const builder = new ImageBuilder();
const cleanup: string[] = [];
afterAll(() => {
  builder.cleanup();
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

describe('frontend-server image (build reproduced without a container runtime)', () => {
  it('installs only runtime dependencies, then renders into the output volume as 65532 from a tree it cannot write, and stops on SIGTERM', async () => {
    const result = await checkServiceImage(builder, { repoRoot, dockerfile: DOCKERFILE });
    expect(result.image.command).toEqual(['/nodejs/bin/node', 'dist/main.js']);
    expect(result.image.user).toEqual({ uid: 65532, gid: 65532 });
    expect(result.image.env).toMatchObject({ NODE_ENV: 'production', OUTPUT_DIR: '/srv/www' });
    expect(fs.readdirSync(result.image.hostPath('/app/node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['yaml']);
    expect(result.verified).toEqual(["rendered /200.html and index.html into the output volume as uid 65532, linking the manifest's bundle read with a metadata-server token", 'SIGTERM: exited 0']);
  });

  it('fails, naming the path, when CMD points at a file the image does not have', async () => {
    const dockerfile = dockerfileVariant(DOCKERFILE, 'CMD ["dist/main.js"]', 'CMD ["dist/server.js"]');
    cleanup.push(path.dirname(dockerfile));
    await expect(checkServiceImage(builder, { repoRoot, dockerfile, service: DOCKERFILE })).rejects.toThrow(
      /CMD runs "dist\/server\.js" \(\/app\/dist\/server\.js in WORKDIR \/app\), which the image does not contain; \/app\/dist holds .*main\.js/,
    );
  });

  it('fails, naming the module, when a runtime dependency is only in devDependencies', async () => {
    const variant = workspaceVariant((dir) => moveToDevDependencies(path.join(dir, 'services/frontend-server/package.json'), 'yaml'));
    cleanup.push(variant);
    await expect(checkServiceImage(builder, { repoRoot, contextDir: variant, dockerfile: DOCKERFILE })).rejects.toThrow(/module "yaml" is not in the image/);
  });
});
