// The api image's build reproduced without a container runtime (none runs here): the Node.js
// services' Dockerfile's own stages with SERVICE=api, then its CMD as uid 65532 in a root-owned
// tree, with the pod's env and volumes, against the MongoDB-wire test server. See tools/image-check. (A runtime dependency moved to
// devDependencies is shown failing on the cheaper frontend-server build, frontend-image.test.ts.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkServiceImage } from '../../tools/image-check/pods';
import { NODE_SERVICE_DOCKERFILE } from '../../workloads';
import { api } from '../../workloads/api';
import { builderForTestFile, expectNodeServiceImage } from './support/service-image';
import { dockerfileVariant, repoRoot } from './support/variant';

jest.setTimeout(180_000);

const { builder, cleanup } = builderForTestFile();

describe('api image (build reproduced without a container runtime)', () => {
  it('installs only runtime dependencies, then serves over its socket as 65532 from a tree it cannot write, and stops on SIGTERM', async () => {
    const result = await checkServiceImage(builder, { repoRoot, workload: api });
    expectNodeServiceImage(result.image, api);
    expect(fs.existsSync(result.image.hostPath('/app/dist/server.js'))).toBe(true);
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
    const dockerfile = dockerfileVariant(NODE_SERVICE_DOCKERFILE, 'CMD ["."]', 'CMD ["dist/index.js"]');
    cleanup.push(path.dirname(dockerfile));
    await expect(checkServiceImage(builder, { repoRoot, workload: api, dockerfile })).rejects.toThrow(
      /CMD runs "dist\/index\.js" \(\/app\/dist\/index\.js in WORKDIR \/app\), which the image does not contain; \/app\/dist holds .*server\.js/,
    );
  });
});
