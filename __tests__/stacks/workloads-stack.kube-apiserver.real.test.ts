/**
 * The workloads stacks of the non-production environments applied through the real Terraform
 * kubernetes provider to a real kube-apiserver, plus the cases that show each check failing on a
 * broken input. The production stacks are in kube-apiserver-production.test.ts (the other jest worker).
 * What stands in for what cannot run here: kube-session.ts.
 */
import { ENVIRONMENTS } from '../../config';
import { requireKubeBinaries } from '../support/kube/control-plane';
import { expectExit } from '../support/kube/workloads-apply';
import {
  destroyAndCheck,
  describeStackApplies,
  type Json,
  nameOf,
  namespaceOf,
  NEG_ANNOTATION,
  prepareForSession,
  read,
  session,
  STACK_TIMEOUT_MS,
  useKubeSession,
  withCleanup,
  workloadsStacks,
} from '../support/kube/kube-session';

useKubeSession();

test('control plane: a real kube-apiserver of a GKE-supported minor, with the binaries the install script built', async () => {
  expect(session.kube.version).toMatch(/^v1\.\d+\.\d+$/);
  const readyz = await session.kube.get('/readyz?verbose');
  expect(readyz.status).toBe(200);
});

test('every environment has a workloads stack to apply', () => {
  for (const env of ENVIRONMENTS) expect(workloadsStacks.filter((s) => s.startsWith(`isoscribe-${env.name}-workloads-`))).not.toHaveLength(0);
});

describeStackApplies(workloadsStacks.filter((s) => !s.startsWith('isoscribe-production-')));

describe('a broken value is refused by the API server, naming the object', () => {
  const stackName = workloadsStacks.find((s) => s.startsWith('isoscribe-dev-'))!;

  /** Applies a copy of the dev stack with `edit` applied; returns terraform's failure output, then cleans up. */
  async function applyBroken(edit: (stack: Json) => void): Promise<string> {
    const synth = read(stackName);
    const stack = prepareForSession(stackName, edit);
    return withCleanup(
      async () => {
        expectExit(`${stackName}: init`, await stack.terraform(['init', '-input=false', '-no-color']));
        const applied = await stack.terraform(['apply', '-input=false', '-no-color', '-auto-approve', ...stack.targets]);
        expect(applied.code).toBe(1);
        return applied.stderr;
      },
      async () => {
        await destroyAndCheck(stack, synth);
      },
    );
  }

  function firstService(stack: Json): Json {
    return Object.values(stack.resource.kubernetes_service_v1)[0];
  }

  test('a label value Kubernetes rejects (a Service selector with a space)', async () => {
    const stderr = await applyBroken((stack) => {
      firstService(stack).spec.selector['app.kubernetes.io/name'] = 'api server';
    });
    expect(stderr).toMatch(/Service "\w[\w-]*" is invalid: spec\.selector: Invalid value: "api server": a valid label must be/);
    expect(stderr).toMatch(/with kubernetes_service_v1\.\S+,/);
  }, STACK_TIMEOUT_MS);

  test('a port name over 15 characters (a Service targetPort)', async () => {
    const stderr = await applyBroken((stack) => {
      firstService(stack).spec.port[0].target_port = 'http-upstream-api';
    });
    expect(stderr).toMatch(/Service "\w[\w-]*" is invalid: spec\.ports\[0\]\.targetPort: Invalid value: "http-upstream-api": must be no more than 15 characters/);
    expect(stderr).toMatch(/with kubernetes_service_v1\.\S+,/);
  }, STACK_TIMEOUT_MS);

  test('a SecretProviderClass in a group the add-on does not serve (secrets-store.gke.io, as the stacks once declared): no CRD matches it', async () => {
    const stderr = await applyBroken((stack) => {
      for (const m of Object.values(stack.resource.kubernetes_manifest) as Json[]) m.manifest.apiVersion = 'secrets-store.gke.io/v1';
    });
    expect(stderr).toMatch(/no matches for kind "SecretProviderClass" in group "secrets-store\.gke\.io"|cannot select exact GV from REST mapper/);
    expect(stderr).toMatch(/with kubernetes_manifest\.\S+,/);
  }, STACK_TIMEOUT_MS);
});

describe('the checks above fail when what they check is broken', () => {
  const stackName = workloadsStacks.find((s) => s.startsWith('isoscribe-dev-'))!;

  test('drift: a Service annotation edited on the server makes the second plan non-empty; PSA warnings: a non-restricted template draws a Warning', async () => {
    const synth = read(stackName);
    const stack = prepareForSession(stackName);
    const namespace = namespaceOf(synth);
    const service = nameOf(synth, (Object.values(synth.resource.kubernetes_service_v1)[0] as Json).metadata.name);
    await withCleanup(
      async () => {
        expectExit(`${stackName}: init`, await stack.terraform(['init', '-input=false', '-no-color']));
        expectExit(`${stackName}: apply`, await stack.terraform(['apply', '-input=false', '-no-color', '-auto-approve', ...stack.targets]));
        const patched = await session.kube.request(
          'PATCH',
          `/api/v1/namespaces/${namespace}/services/${service}`,
          { metadata: { annotations: { [NEG_ANNOTATION]: '{"exposed_ports":{"8080":{}}}' } } },
          'application/merge-patch+json',
        );
        expect(patched.status).toBe(200);
        const again = await stack.terraform(['plan', '-input=false', '-no-color', '-detailed-exitcode', ...stack.targets]);
        expect(again.code).toBe(2);
        expect(again.stdout).toMatch(new RegExp(`kubernetes_service_v1\\.\\S+ will be updated in-place[\\s\\S]*"cloud\\.google\\.com/neg"`));

        const warned = await session.kube.request('POST', `/apis/apps/v1/namespaces/${namespace}/deployments?dryRun=All`, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'psa-warn-probe' },
          spec: {
            selector: { matchLabels: { probe: 'psa' } },
            template: { metadata: { labels: { probe: 'psa' } }, spec: { containers: [{ name: 'c', image: 'example.invalid/probe:1' }] } },
          },
        });
        expect(warned.status).toBe(201);
        expect(warned.warnings.join('\n')).toContain('would violate PodSecurity "restricted:latest"');
      },
      async () => {
        await destroyAndCheck(stack, synth);
      },
    );
  }, STACK_TIMEOUT_MS);
});

describe('the kubernetes provider authenticates only through the exec block the stack synthesizes (stand-in gke-gcloud-auth-plugin: Google\'s token service cannot run here)', () => {
  const stackName = workloadsStacks.find((s) => s.startsWith('isoscribe-dev-'))!;

  /** Applies a copy of the dev stack with this stand-in plugin token (null: no plugin on PATH); returns the failed apply's stderr. */
  async function applyRefused(pluginToken: string | null, edit?: (stack: Json) => void): Promise<{ stderr: string; runs: number }> {
    const synth = read(stackName);
    const stack = prepareForSession(stackName, edit, pluginToken);
    const namespace = namespaceOf(synth);
    try {
      expectExit(`${stackName}: init`, await stack.terraform(['init', '-input=false', '-no-color']));
      const applied = await stack.terraform(['apply', '-input=false', '-no-color', '-auto-approve', ...stack.targets]);
      expect(applied.code).toBe(1);
      // Refused before anything was created.
      expect((await session.kube.get(`/api/v1/namespaces/${namespace}`)).status).toBe(404);
      const state = JSON.parse((await stack.terraform(['show', '-json'])).stdout || '{}');
      expect(state.values?.root_module?.resources?.filter((r: Json) => r.mode === 'managed') ?? []).toEqual([]);
      // Terraform wraps long diagnostics; one line reads better in a match.
      return { stderr: applied.stderr.replace(/\s+/g, ' '), runs: stack.credentialPlugin.runs().length };
    } finally {
      stack.remove();
    }
  }

  test('a token the API server does not know: 401 Unauthorized', async () => {
    const { stderr, runs } = await applyRefused('not-the-test-api-servers-token');
    expect(runs).toBeGreaterThan(0);
    expect(stderr).toMatch(/Error: Invalid credentials with kubernetes_manifest\.\S+,.* not accepted by the API server\. Error: Unauthorized/);
  }, STACK_TIMEOUT_MS);

  test('no gke-gcloud-auth-plugin on PATH: the error names the executable and says it is not installed', async () => {
    const { stderr } = await applyRefused(null);
    expect(stderr).toMatch(/getting credentials: exec: executable gke-gcloud-auth-plugin not found/);
    expect(stderr).toMatch(/credential plugin that is not installed/);
  }, STACK_TIMEOUT_MS);

  test('an exec api_version other than the one the plugin prints (v1beta1) is refused by client-go', async () => {
    const { stderr, runs } = await applyRefused(session.kube.bearerToken, (stack) => {
      stack.provider.kubernetes[0].exec[0].api_version = 'client.authentication.k8s.io/v1';
    });
    expect(runs).toBeGreaterThan(0);
    expect(stderr).toMatch(/exec plugin is configured to use API version client\.authentication\.k8s\.io\/v1, plugin returned version client\.authentication\.k8s\.io\/v1beta1/);
  }, STACK_TIMEOUT_MS);
});

test('without the binaries, the suite fails naming the script that builds them', () => {
  expect(() => requireKubeBinaries('/nonexistent/kube')).toThrow(
    'Kubernetes control-plane binaries missing in /nonexistent/kube: etcd, kube-apiserver, kube-controller-manager. Build them with `bash ci/install/kube.sh`',
  );
});
