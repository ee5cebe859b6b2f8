import { Testing, TerraformStack } from 'cdktf';
import { AppFileVolume, imageReference, NginxFrontedApp, Peer, PodNetworkPolicy, RestrictedNamespace, SecretProviderClass, WorkloadIdentity, type NginxFrontedAppProps } from '../../../constructs/kubernetes';
import { APP_SOCKET_PATH, NginxBackend, POD_LAYOUT } from '../../../constructs/nginx';

const valid = (): NginxFrontedAppProps => ({
  name: 'api',
  namespace: 'apps',
  serviceAccountName: 'api',
  nginx: { image: 'nginxinc/nginx-unprivileged:1.28.0-alpine', config: { backend: NginxBackend.unixSocket({ socketPath: APP_SOCKET_PATH, readinessPath: '/readyz' }), trustedProxies: [] } },
  app: { image: 'example/api:1.0.0', resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } },
  sharedDir: POD_LAYOUT.socketDir,
  replicas: 2,
  autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 70 },
});

const secretFiles = (name: string) =>
  new SecretProviderClass(new TerraformStack(Testing.app(), 'secrets'), name, { name, namespace: 'apps', files: [{ secretId: `projects/p/secrets/${name}`, path: name }] });

function build(change: (p: NginxFrontedAppProps) => NginxFrontedAppProps) {
  const stack = new TerraformStack(Testing.app(), 'test');
  return () => new NginxFrontedApp(stack, 'app', change(valid()));
}

describe('NginxFrontedApp rejects props with a message naming the field and the fix', () => {
  it('accepts the valid props', () => {
    expect(build((p) => p)).not.toThrow();
  });

  it.each<[string, (p: NginxFrontedAppProps) => NginxFrontedAppProps, RegExp]>([
    ['a name that is no DNS label', (p) => ({ ...p, name: 'API_1' }), /`name` must be a DNS label/],
    ['zero replicas', (p) => ({ ...p, replicas: 0 }), /`replicas` must be an integer >= 1/],
    ['replicas outside the HPA bounds', (p) => ({ ...p, replicas: 9 }), /`replicas` \(9\) must lie within autoscaling bounds \[2, 4\]/],
    ['max below min', (p) => ({ ...p, autoscaling: { ...p.autoscaling, maxReplicas: 1 } }), /`autoscaling.maxReplicas` must be an integer >= minReplicas/],
    ['a CPU target above 100', (p) => ({ ...p, autoscaling: { ...p.autoscaling, targetCpuUtilization: 150 } }), /`autoscaling.targetCpuUtilization` must be a percentage/],
    ['an invalid NEG name', (p) => ({ ...p, negName: 'Bad_Name' }), /`negName` must be a Compute Engine name/],
    ['a shared dir the config does not use', (p) => ({ ...p, sharedDir: POD_LAYOUT.htmlDir }), /`sharedDir` "\/srv\/www" does not appear in the NGINX config/],
    ['a grace period shorter than drain + graceful stop', (p) => ({ ...p, drainSeconds: 15, terminationGracePeriodSeconds: 30 }), /`terminationGracePeriodSeconds` \(30\) must exceed drainSeconds \(15\) \+ NGINX worker_shutdown_timeout \(20\)/],
    ['two file mounts on one path', (p) => ({ ...p, app: { ...p.app, files: [AppFileVolume.fromSecretProviderClass(secretFiles('a'), '/etc/a'), AppFileVolume.fromConfigMap('b', '/etc/a')] } }), /`app.files\[1\].mountPath` must be an absolute path used by no other mount/],
  ])('%s', (_what, change, message) => {
    expect(build(change)).toThrow(message);
  });

  it('passes NGINX config errors through from the renderer', () => {
    expect(build((p) => ({ ...p, nginx: { ...p.nginx, config: { ...p.nginx.config, trustedProxies: ['0.0.0.0/0'] } } }))).toThrow(/trustedProxies\[0\]/);
  });
});

describe('the other kubernetes constructs reject bad input', () => {
  const stack = () => new TerraformStack(Testing.app(), 'test');
  it('imageReference refuses latest and malformed digests', () => {
    expect(() => imageReference({ repository: 'x/y', tag: 'latest' })).toThrow(/tag must be pinned/);
    expect(() => imageReference({ repository: 'x/y', tag: '1', digest: 'sha256:abc' })).toThrow(/digest must be "sha256:"/);
    expect(imageReference({ repository: 'x/y', tag: '1', digest: `sha256:${'a'.repeat(64)}` })).toBe(`x/y:1@sha256:${'a'.repeat(64)}`);
  });
  it('RestrictedNamespace refuses the default namespace', () => {
    expect(() => new RestrictedNamespace(stack(), 'ns', { name: 'default' })).toThrow(/other than "default"/);
  });
  it('WorkloadIdentity needs plain names, since they form the IAM member', () => {
    const gsa = { name: 'projects/p/serviceAccounts/a@p.iam.gserviceaccount.com', email: 'a@p.iam.gserviceaccount.com' };
    expect(() => new WorkloadIdentity(stack(), 'wi', { namespace: '${kubernetes_namespace_v1.x.metadata[0].name}', name: 'api', project: 'p', googleServiceAccount: gsa })).toThrow(/plain DNS labels/);
  });
  it('PodNetworkPolicy refuses rules without ports and empty peers', () => {
    expect(() => new PodNetworkPolicy(stack(), 'np', { namespace: 'a', name: 'x', podLabels: { a: 'b' }, egress: [{ peer: Peer.clusterDns(), ports: [] }] })).toThrow(/lists no ports/);
    expect(() => Peer.cidrs([])).toThrow(/at least one CIDR/);
    expect(() => new PodNetworkPolicy(stack(), 'np2', { namespace: 'a', name: 'x', podLabels: { a: 'b' } })).toThrow(/at least one ingress or egress rule/);
  });
});
