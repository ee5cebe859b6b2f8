import { createHash } from 'node:crypto';
import { environment, synthEnvironment, type TfJson } from '../support/topology';

/*
 * What a reviewer reads, per construct: every stack of the dev environment, split by the top-level
 * construct that made each resource (the stack's own provider, backend and outputs under "(stack)"),
 * without cdktf's `//` metadata. Small, stable pieces that guard against unintended change; what
 * must hold in every environment and region is asserted, with intent, by the focused tests, and a
 * pull request's synth diff (npm run synth-diff) shows every environment's change in full.
 */
const { json } = synthEnvironment(environment('dev'));

/** A stack's resources and data sources by top-level construct id, `//` metadata dropped. */
function byConstruct(stack: TfJson): Record<string, TfJson> {
  const groups: Record<string, TfJson> = {};
  const { resource = {}, data = {}, ...rest } = stack;
  groups['(stack)'] = withoutMetadata(rest);
  for (const [kind, blocks] of [['resource', resource], ['data', data]] as const) {
    for (const [type, byId] of Object.entries<Record<string, TfJson>>(blocks)) {
      for (const [id, body] of Object.entries(byId)) {
        // cdktf's own blocks (the cross-stack remote states) carry no construct path: they belong to the stack.
        const path: string | undefined = body['//']?.metadata?.path;
        const construct = path?.split('/')[1] ?? '(stack)';
        (groups[construct] ??= {})[`${kind === 'data' ? 'data.' : ''}${type}.${id}`] = withoutMetadata(vendoredCrdDigest(body));
      }
    }
  }
  return groups;
}

/**
 * A vendored upstream CRD (vendor/opensearch-k8s-operator) is applied unchanged; its schema (thousands
 * of lines) shows here as a digest, so a re-vendoring still changes the snapshot without burying the rest.
 */
function vendoredCrdDigest(body: TfJson): TfJson {
  if (body.manifest?.kind !== 'CustomResourceDefinition') return body;
  const { versions, ...spec } = body.manifest.spec;
  const digest = createHash('sha256').update(JSON.stringify(versions)).digest('hex');
  return { ...body, manifest: { ...body.manifest, spec: { ...spec, versions: `sha256:${digest}` } } };
}

function withoutMetadata(value: unknown): TfJson {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== 'object') return value as TfJson;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '//').map(([key, v]) => [key, withoutMetadata(v)]));
}

const cases = Object.keys(json).sort().flatMap((stack) => Object.entries(byConstruct(json[stack])).map(([construct, body]): [string, string, TfJson] => [stack, construct, body]));

it.each(cases)('%s › %s', (_stack, _construct, body) => {
  expect(body).toMatchSnapshot();
});
