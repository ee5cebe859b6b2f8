// The api image's build reproduced without a container runtime (none runs here): the Dockerfile's
// own stages, then its CMD as uid 65532 in a root-owned tree, with the pod's env and volumes,
// against the MongoDB-wire test server. See scripts/images. (A runtime dependency moved to
// devDependencies is shown failing on the cheaper frontend-server build, frontend-image.test.ts.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageBuilder } from '../../scripts/images/build';
import { checkServiceImage } from '../../scripts/images/pods';
import { dockerfileVariant, repoRoot } from './support/variant';

jest.setTimeout(180_000);

const DOCKERFILE = 'services/api/Dockerfile';
const builder = new ImageBuilder();
const cleanup: string[] = [];
afterAll(() => {
  builder.cleanup();
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

describe('api image (build reproduced without a container runtime)', () => {
  it('installs only runtime dependencies, then serves over its socket as 65532 from a tree it cannot write, and stops on SIGTERM', async () => {
    const result = await checkServiceImage(builder, { repoRoot, dockerfile: DOCKERFILE });
    expect(result.image.command).toEqual(['/nodejs/bin/node', 'dist/server.js']);
    expect(result.image.user).toEqual({ uid: 65532, gid: 65532 });
    expect(result.image.env.NODE_ENV).toBe('production');
    const modules = fs.readdirSync(result.image.hostPath('/app/node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['fastify', 'mongodb']));
    expect(modules).not.toEqual(expect.arrayContaining(['typescript']));
    expect(result.verified).toEqual([
      'GET /healthz over the unix socket: 200',
      'GET /readyz (MongoDB ping through the driver): 200',
      'POST then GET /api/v1/documents: 201, 200 with the stored document',
      'SIGTERM: exited 0',
    ]);
  });

  it('fails, naming the path, when CMD points at a file the image does not have', async () => {
    const dockerfile = dockerfileVariant(DOCKERFILE, 'CMD ["dist/server.js"]', 'CMD ["dist/index.js"]');
    cleanup.push(path.dirname(dockerfile));
    await expect(checkServiceImage(builder, { repoRoot, dockerfile, service: DOCKERFILE })).rejects.toThrow(
      /CMD runs "dist\/index\.js" \(\/app\/dist\/index\.js in WORKDIR \/app\), which the image does not contain; \/app\/dist holds .*server\.js/,
    );
  });
});
