// One Node.js release for the images, CI and the packages: .node-version against the Dockerfiles'
// base images, engines, @types/node and the workflows' setup-node steps.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeReleaseProblems } from './node-release';
import { NODE_SERVICE_DOCKERFILE } from '../../workloads';
import { repoRoot } from '../../__tests__/images/support/variant';

describe('Node.js release', () => {
  it('is an LTS line that has not reached end of life, everywhere the same', () => {
    const version = fs.readFileSync(path.join(repoRoot, '.node-version'), 'utf8').trim();
    // Even majors are the LTS lines; 20 ended on 2026-04-30, 22 ends on 2027-04-30.
    expect(Number(version.split('.')[0]) % 2).toBe(0);
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(22);
    expect(nodeReleaseProblems(repoRoot)).toEqual([]);
  });

  it('disagreements are named with the file and the fix', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-release-'));
    try {
      for (const file of ['.node-version', 'package.json', 'services/api/package.json', 'services/frontend-server/package.json', NODE_SERVICE_DOCKERFILE, '.github/workflows/deploy.yml']) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
      }
      const version = fs.readFileSync(path.join(dir, '.node-version'), 'utf8').trim();
      const major = version.split('.')[0];
      const dockerfile = path.join(dir, NODE_SERVICE_DOCKERFILE);
      fs.writeFileSync(dockerfile, fs.readFileSync(dockerfile, 'utf8').replace(`nodejs${major}-debian12`, 'nodejs22-debian12'));
      const runtimeFrom = fs.readFileSync(dockerfile, 'utf8').split('\n').findIndex((line) => line.startsWith('FROM ${DISTROLESS_IMAGE}')) + 1;
      const workflow = path.join(dir, '.github/workflows/deploy.yml');
      fs.writeFileSync(workflow, fs.readFileSync(workflow, 'utf8').replace('node-version-file: .node-version', 'node-version: 20'));
      const api = path.join(dir, 'services/api/package.json');
      fs.writeFileSync(api, fs.readFileSync(api, 'utf8').replace(`"node":">=${major}"`, '"node":">=20"'));

      expect(nodeReleaseProblems(dir)).toEqual([
        `${NODE_SERVICE_DOCKERFILE}:${runtimeFrom}: FROM gcr.io/distroless/nodejs22-debian12:nonroot@\${DISTROLESS_DIGEST} must use gcr.io/distroless/nodejs${major}-... (.node-version is ${version})`,
        `services/api/package.json: engines.node must be ">=${major}" (got ">=20"), the release CI and the images run`,
        `.github/workflows/deploy.yml: actions/setup-node must take node-version-file: .node-version and no node-version (got {"node-version":20,"cache":"npm"})`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
