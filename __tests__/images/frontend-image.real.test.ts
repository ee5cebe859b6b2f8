// The frontend-server image's build reproduced without a container runtime (none runs here): the
// Node.js services' Dockerfile's own stages with SERVICE=frontend-server, then its CMD as uid 65532 in a root-owned tree, with the pod's env,
// pages ConfigMap and output emptyDir, against a loopback bundle manifest. See tools/image-check.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkServiceImage } from '../../tools/image-check/pods';
import { frontend } from '../../workloads/frontend';
import { builderForTestFile, expectNodeServiceImage } from './support/service-image';
import { moveToDevDependencies, repoRoot, workspaceVariant } from './support/variant';

jest.setTimeout(180_000);

const { builder, cleanup } = builderForTestFile();

describe('frontend-server image (build reproduced without a container runtime)', () => {
  it('installs only runtime dependencies, then renders into the output volume as 65532 from a tree it cannot write, and stops on SIGTERM', async () => {
    const result = await checkServiceImage(builder, { repoRoot, workload: frontend });
    expectNodeServiceImage(result.image, frontend);
    expect(fs.existsSync(result.image.hostPath('/app/dist/main.js'))).toBe(true);
    // OUTPUT_DIR is the pod's (workloads/frontend.ts); without it the daemon's default is /srv/www.
    expect(result.image.env.OUTPUT_DIR).toBeUndefined();
    expect(fs.readdirSync(result.image.hostPath('/app/node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@opentelemetry', 'bintrees', 'prom-client', 'tdigest', 'yaml']);
    expect(result.verified).toEqual(["rendered /200.html and index.html into the output volume as uid 65532, linking the manifest's bundle read with a metadata-server token", 'SIGTERM: exited 0']);
  });

  it('fails, naming the path, when the workspace\'s package.json "main" is a file the image does not have', async () => {
    const variant = workspaceVariant((dir) => {
      const file = path.join(dir, 'services/frontend-server/package.json');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"main":"dist/main.js"', '"main":"dist/server.js"'));
    });
    cleanup.push(variant);
    await expect(checkServiceImage(builder, { repoRoot, contextDir: variant, workload: frontend })).rejects.toThrow(
      /CMD runs "\." \(\/app in WORKDIR \/app\), whose \/app\/package\.json "main" is \/app\/dist\/server\.js, which the image does not contain; \/app\/dist holds .*main\.js.* Fix "main" in the workspace's package\.json/,
    );
  });

  it('fails, naming the module, when a runtime dependency is only in devDependencies', async () => {
    const variant = workspaceVariant((dir) => moveToDevDependencies(path.join(dir, 'services/frontend-server/package.json'), 'yaml'));
    cleanup.push(variant);
    await expect(checkServiceImage(builder, { repoRoot, contextDir: variant, workload: frontend })).rejects.toThrow(/module "yaml" is not in the image/);
  });
});
