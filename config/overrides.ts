import { ConfigError } from './load';
import { imageSchema, type EnvironmentInput } from './schema';

/*
 * Image pins that CI passes in at deploy time. The commit's images are built after the config was
 * written, so their tag (the commit SHA) and digest arrive as environment variables and replace the
 * configured ones. Each value is checked by the same schema as config/*.ts, and an error names the
 * variable, since that is where the fix goes.
 */

/** The variables of one workload: `ISOSCRIBE_API_IMAGE_TAG`, `ISOSCRIBE_FRONTEND_IMAGE_DIGEST`, ... */
export function imageOverrideVariables(workload: string): { tag: string; digest: string } {
  const stem = `ISOSCRIBE_${workload.toUpperCase().replace(/-/g, '_')}_IMAGE`;
  return { tag: `${stem}_TAG`, digest: `${stem}_DIGEST` };
}

/** NGINX's digest, resolved by CI from the configured tag through the Docker Hub remote repository. */
export const NGINX_DIGEST_VARIABLE = imageOverrideVariables('nginx').digest;

/** The search engine's and its operator's digests, resolved by CI like NGINX's (docs/search.md). */
export const SEARCH_ENGINE_DIGEST_VARIABLE = imageOverrideVariables('search_engine').digest;
export const SEARCH_OPERATOR_DIGEST_VARIABLE = imageOverrideVariables('search_operator').digest;

/**
 * Set to `1` by the deploy workflows' synth: a release, whose shared and production images must all
 * be pinned by digest (policy POD-020). Pull-request synth leaves it unset: it reviews tags.
 */
export const RELEASE_VARIABLE = 'ISOSCRIBE_RELEASE';

type Variables = Readonly<Record<string, string | undefined>>;

function read(vars: Variables, name: string, field: 'tag' | 'digest', problems: string[]): string | undefined {
  const value = vars[name];
  if (value === undefined || value === '') return undefined;
  const result = imageSchema.shape[field].safeParse(value);
  if (!result.success) {
    problems.push(`${name}: ${result.error.issues[0].message} (got "${value}")`);
    return undefined;
  }
  return value;
}

/**
 * Returns copies of `inputs` with the image overrides of `vars` applied to every environment (CI
 * selects one environment with ISOSCRIBE_ENVS). A tag override without a digest drops the
 * configured digest, which belongs to the configured tag. Throws ConfigError on a malformed value.
 */
export function applyImageOverrides(inputs: readonly EnvironmentInput[], vars: Variables = process.env): EnvironmentInput[] {
  const problems: string[] = [];
  // Every workload any environment configures; the variables of one that an environment lacks are ignored there.
  const workloads = [...new Set(inputs.flatMap((input) => Object.keys(input.workloads ?? {})))];
  const pins = workloads.map((workload) => {
    const names = imageOverrideVariables(workload);
    return { workload, tag: read(vars, names.tag, 'tag', problems), digest: read(vars, names.digest, 'digest', problems) };
  });
  const nginxDigest = read(vars, NGINX_DIGEST_VARIABLE, 'digest', problems);
  const engineDigest = read(vars, SEARCH_ENGINE_DIGEST_VARIABLE, 'digest', problems);
  const operatorDigest = read(vars, SEARCH_OPERATOR_DIGEST_VARIABLE, 'digest', problems);
  const releaseValue = vars[RELEASE_VARIABLE];
  if (releaseValue !== undefined && releaseValue !== '' && releaseValue !== '1') {
    problems.push(`${RELEASE_VARIABLE}: must be "1" (a release synth) or unset (got "${releaseValue}")`);
  }
  const release = releaseValue === '1';
  if (problems.length > 0) throw new ConfigError(problems);
  if (!release && nginxDigest === undefined && engineDigest === undefined && operatorDigest === undefined && pins.every((pin) => pin.tag === undefined && pin.digest === undefined)) return [...inputs];

  return inputs.map((input) => {
    const copy = structuredClone(input);
    for (const pin of pins) {
      const image = copy.workloads[pin.workload]?.image;
      if (image === undefined) continue;
      if (pin.tag !== undefined) {
        image.tag = pin.tag;
        delete image.digest;
      }
      if (pin.digest !== undefined) image.digest = pin.digest;
    }
    // The digest belongs to the configured tag: CI resolved that tag (ci/push-images.sh).
    if (nginxDigest !== undefined) copy.nginxImage.digest = nginxDigest;
    if (engineDigest !== undefined) copy.search.engineImage.digest = engineDigest;
    if (operatorDigest !== undefined) copy.search.operatorImage.digest = operatorDigest;
    if (release) copy.release = true;
    return copy;
  });
}
