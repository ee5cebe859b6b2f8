import { Testing } from 'cdktf';
import { ConfigError, ENVIRONMENTS, loadEnvironments, type EnvironmentInput } from '../../config';
import { loadDelivery } from '../../config/delivery';
import { registryLocation } from '../../config/registry';
import { GCP_REGIONS } from '../../facts/gcp-regions';
import { defineApp } from '../../main';

describe('registryLocation', () => {
  it('maps every region the schema knows to a multi-region, and says what to do for one it cannot', () => {
    for (const region of GCP_REGIONS) expect(['us', 'europe', 'asia']).toContain(registryLocation(region));
    expect(() => registryLocation('mars-north1')).toThrow('no Artifact Registry multi-region for region "mars-north1"; extend registryLocation (config/registry.ts)');
  });
});

function variant(name: string, mutate: (e: EnvironmentInput) => void): EnvironmentInput {
  const input = structuredClone(ENVIRONMENTS.find((e) => e.name === name)!);
  mutate(input);
  return input;
}

/**
 * The problems a mutated environment reports, after checking that nothing is synthesized from it:
 * the configuration fails as it loads, before any stack is built.
 */
function problemsOf(name: string, mutate: (e: EnvironmentInput) => void): string[] {
  const app = Testing.app();
  try {
    defineApp(app, loadEnvironments([variant(name, mutate)]), loadDelivery());
  } catch (err) {
    expect(app.node.children).toEqual([]);
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

const REGIONAL = /^us-docker/;

describe('where images come from is a configuration error, listed with file, field and fix', () => {
  it('refuses a workload image outside Artifact Registry (CI pushes there)', () => {
    expect(problemsOf('production', (e) => { e.workloads.api.image.repository = 'docker.io/isoscribe/api'; })).toEqual([
      'config/production.ts › workloads.api.image.repository: "docker.io/isoscribe/api" is not an Artifact Registry path (<location>-docker.pkg.dev/<project>/<repository>/<image>); CI pushes images there, so use one: appImageRepository(project, region, service) in config/registry.ts',
    ]);
  });

  it('refuses workload images in two repositories (bootstrap creates one)', () => {
    const problems = problemsOf('production', (e) => { e.workloads.frontend.image.repository = e.workloads.frontend.image.repository.replace('/isoscribe/', '/other/'); });
    expect(problems).toEqual([
      'config/production.ts › workloads.frontend.image.repository: in us/other, but workloads.api is in us/isoscribe; bootstrap creates one repository, so put every workload\'s image in it',
    ]);
  });

  it('refuses a regional repository for the workloads or NGINX (one region\'s outage stops every pull)', () => {
    const problems = problemsOf('production', (e) => {
      for (const w of Object.values(e.workloads)) w.image.repository = w.image.repository.replace(REGIONAL, 'us-central1-docker');
      e.nginxImage.repository = e.nginxImage.repository.replace(REGIONAL, 'us-central1-docker');
    });
    const oneRegion = 'the registry location "us-central1" is one region, and its outage stops every image pull; use a multi-region (us, europe, asia): registryLocation(region) in config/registry.ts';
    expect(problems).toEqual([
      `config/production.ts › workloads.api.image.repository: ${oneRegion}`,
      `config/production.ts › nginxImage.repository: ${oneRegion}`,
    ]);
  });

  it('refuses NGINX straight from Docker Hub or from another project\'s registry', () => {
    const fix = 'is not in this project\'s Artifact Registry; pull it through the Docker Hub remote repository: nginxImage(project, region) in config/registry.ts';
    expect(problemsOf('staging', (e) => { e.nginxImage.repository = 'nginxinc/nginx-unprivileged'; })).toEqual([
      `config/staging.ts › nginxImage.repository: "nginxinc/nginx-unprivileged" ${fix}`,
    ]);
    expect(problemsOf('staging', (e) => { e.nginxImage.repository = 'europe-docker.pkg.dev/someone-else/docker-hub/nginxinc/nginx-unprivileged'; })).toEqual([
      `config/staging.ts › nginxImage.repository: "europe-docker.pkg.dev/someone-else/docker-hub/nginxinc/nginx-unprivileged" ${fix}`,
    ]);
  });

  it('refuses NGINX in the workloads\' own repository (its tags are CI\'s)', () => {
    let path = '';
    expect(problemsOf('staging', (e) => { path = e.nginxImage.repository = `europe-docker.pkg.dev/${e.project.id}/isoscribe/nginxinc/nginx-unprivileged`; })).toEqual([
      `config/staging.ts › nginxImage.repository: "${path}" is in the workloads' repository isoscribe; Docker Hub images come through their own remote repository: nginxImage(project, region) in config/registry.ts`,
    ]);
  });

  it('lists these beside every other problem of the environment', () => {
    const problems = problemsOf('staging', (e) => { e.nginxImage.repository = 'nginxinc/nginx-unprivileged'; e.workloads.api.image.tag = 'latest'; });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('config/staging.ts › workloads.api.image.tag');
  });
});
