import { PROJECT_SERVICES } from '../../stacks/core-stack';
import { environment, resources, synthEnvironment } from '../support/topology';

/*
 * Issue 11 item 5: values the provider still accepts but the APIs reject or have retired. Each check
 * reads the synthesized stacks of every committed environment.
 */
describe.each(['dev', 'staging', 'production'])('values the APIs retired, %s', (name) => {
  const { json } = synthEnvironment(environment(name));

  it('no cluster asks for the retired basic vulnerability-scanning tier (images are scanned in the registry)', () => {
    const clusters = Object.entries(json).flatMap(([, stack]) => resources(stack, 'google_container_cluster'));
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      // Disabled, not Enterprise: the Enterprise tier needs a GKE Enterprise subscription the projects do not have.
      expect(cluster.security_posture_config).toEqual(expect.objectContaining({ vulnerability_mode: 'VULNERABILITY_DISABLED' }));
    }
    expect(PROJECT_SERVICES).toContain('containerscanning.googleapis.com');
  });

  it('no zone setting writes brotli (its API was retired on 2024-06-14; every zone compresses with Brotli)', () => {
    const ids = Object.values(json).flatMap((stack) => resources(stack, 'cloudflare_zone_setting').map((s) => s.setting_id));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain('brotli');
  });
});
