// The one Node.js service Dockerfile's ignore file sends exactly what the builds of every workload
// copy from the context (BuildKit reads <Dockerfile>.dockerignore): the root package files and each
// workspace's package.json, tsconfig.json and src/, never tests, dist/ or node_modules.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { contextFilesCopied } from './build';
import { readDockerfile } from './dockerfile';
import { BuildContext } from './dockerignore';
import { imageBuildArgs, NODE_SERVICE_DOCKERFILE, NODE_SERVICE_ENTRY, nodeServiceArgs, WORKLOADS } from '../../workloads';
import { repoRoot } from '../../__tests__/images/support/variant';

/** Context files the ignore file sends that no workload's build copies, and copied ones it withholds. */
function mismatch(context: BuildContext): { sentNotCopied: string[]; copiedNotSent: string[] } {
  // What the COPYs name, read with nothing ignored.
  const everything = new BuildContext(context.dir, undefined);
  const copied = new Set(WORKLOADS.flatMap((w) => contextFilesCopied(everything, NODE_SERVICE_DOCKERFILE, imageBuildArgs(w))));
  const sent = context.files('.');
  return { sentNotCopied: sent.filter((file) => !copied.has(file)), copiedNotSent: [...copied].filter((file) => !context.includes(file)) };
}

describe(`${NODE_SERVICE_DOCKERFILE}.dockerignore`, () => {
  const context = BuildContext.forDockerfile(repoRoot, path.join(repoRoot, NODE_SERVICE_DOCKERFILE));

  it('is the ignore file of the build, beside the Dockerfile', () => {
    expect(context.ignoreFile).toBe(path.join(repoRoot, `${NODE_SERVICE_DOCKERFILE}.dockerignore`));
  });

  it('sends exactly what the builds of every workload copy', () => {
    expect(mismatch(context)).toEqual({ sentNotCopied: [], copiedNotSent: [] });
    const sent = context.files('.');
    expect(sent).toEqual(expect.arrayContaining(['package-lock.json', ...WORKLOADS.map((w) => `services/${w.service}/package.json`)]));
    expect(sent.filter((file) => /(^|\/)(node_modules|dist|test)\//.test(file))).toEqual([]);
  });

  it('would be caught sending more (a workspace\'s tests) or less (the root tsconfig.json a workspace extends)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerignore-'));
    try {
      const text = fs.readFileSync(context.ignoreFile!, 'utf8');
      const more = path.join(dir, 'more.dockerignore');
      fs.writeFileSync(more, `${text}!services/*/test/**\n`);
      const extra = mismatch(new BuildContext(repoRoot, more));
      expect(extra.sentNotCopied.length).toBeGreaterThan(0);
      expect(extra.sentNotCopied.every((file) => /^services\/[\w-]+\/test\//.test(file))).toBe(true);
      const less = path.join(dir, 'less.dockerignore');
      fs.writeFileSync(less, text.replace(/^!tsconfig\.json\n/m, ''));
      expect(mismatch(new BuildContext(repoRoot, less))).toEqual({ sentNotCopied: [], copiedNotSent: ['tsconfig.json'] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(NODE_SERVICE_DOCKERFILE, () => {
  it("runs NODE_SERVICE_ENTRY: a pod with node flags puts them before it in place of the image's CMD", () => {
    const stages = readDockerfile(path.join(repoRoot, NODE_SERVICE_DOCKERFILE), { SERVICE: 'api' }).stages;
    const cmd = stages[stages.length - 1].instructions.filter((i) => i.keyword === 'CMD');
    expect(cmd.map((i) => i.args)).toEqual([[NODE_SERVICE_ENTRY]]);
    expect(nodeServiceArgs({ nodeFlags: ['--flag'] })).toEqual(['--flag', NODE_SERVICE_ENTRY]);
    expect(nodeServiceArgs({})).toBeUndefined();
  });
});
