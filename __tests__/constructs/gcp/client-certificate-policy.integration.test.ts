import { App, TerraformStack } from 'cdktf';
import { ClientCertificatePolicy } from '../../../constructs/gcp/client-certificate-policy';
import { CloudArmorPolicy } from '../../../constructs/gcp/cloud-armor-policy';
import { GlobalLoadBalancer } from '../../../constructs/gcp/global-load-balancer';
import { dataSources, environment, synthEnvironment } from '../../support/topology';
import { terraformEval, unwrapInterpolation } from '../../support/terraform-console';

const stack = () => new TerraformStack(new App(), 'fixture');

describe('origin-lock constructs reject what would leave the origin open', () => {
  it('a client-certificate policy with no CA', () => {
    expect(() => new ClientCertificatePolicy(stack(), 'mtls', { namePrefix: 'x', trustedCaCertificates: [] })).toThrow(
      'fixture/mtls: trustedCaCertificates is empty; give at least one CA certificate (PEM), or the policy would accept no client',
    );
  });

  it('a load balancer with no hostnames', () => {
    expect(() => new GlobalLoadBalancer(stack(), 'lb', { namePrefix: 'x', ipAddress: '192.0.2.1', certificateMapId: 'm', defaultService: 's', hostnames: [] })).toThrow(
      "fixture/lb: hostnames is empty; list the hostnames the load balancer serves, e.g. ['example.com', 'www.example.com']",
    );
  });

  it('an edge policy asked for a throttle or WAF rules it cannot have', () => {
    const throttle = { requests: 10, intervalSec: 60, keyHeader: 'CF-Connecting-IP' };
    expect(() => new CloudArmorPolicy(stack(), 'edge', { name: 'e', type: 'CLOUD_ARMOR_EDGE', allowedSourceRanges: ['192.0.2.0/24'], throttle })).toThrow(
      "fixture/edge: a CLOUD_ARMOR_EDGE policy supports neither throttle nor preconfiguredWafRules; remove them or use type 'CLOUD_ARMOR'",
    );
  });
});

describe('the origin-pull certificate postcondition, evaluated by the real Terraform', () => {
  const ingress = synthEnvironment(environment('staging')).json['isoscribe-staging-ingress'];
  const [certificate] = dataSources(ingress, 'cloudflare_authenticated_origin_pulls_certificate');
  const condition = unwrapInterpolation(certificate.lifecycle.postcondition[0].condition).replaceAll('self.', 'local.');

  it.each([
    ['active', true],
    ['pending_deployment', false],
    ['deleted', false],
  ])('status %s → %s', (status, holds) => {
    expect(terraformEval(condition, { status })).toBe(holds);
  });
});
