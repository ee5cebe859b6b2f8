import { DataCloudflareZone } from '@cdktf/provider-cloudflare/lib/data-cloudflare-zone';
import { TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import type { CloudflarePlan } from '../../facts/cloudflare-plans';

/**
 * The Terraform local holding the plan config expects. The zone's postcondition compares the real
 * plan with it; the offline plan's zone stand-in (tools/terraform-verify/stand-ins.ts) reads it too.
 */
export const EXPECTED_PLAN_LOCAL = 'cloudflare_zone_expected_plan';

export interface CloudflareZoneProps {
  /** The zone's name as Cloudflare lists it, e.g. `isoscribe.com`. */
  readonly name: string;
  /** The plan config assumes; edge TTLs, rate limits and the WAF were checked against it. */
  readonly plan: CloudflarePlan;
}

/**
 * An existing Cloudflare zone, found by name, so no zone id is written in config (a made-up id looks
 * exactly like a real one). The plan fails, naming the fix, when the zone is missing (the provider:
 * "failed to find exactly one result"), not yet active (its nameservers are not delegated, so records
 * would not serve), or on another plan than config says (the API would refuse what was checked).
 */
export class CloudflareZone extends Construct {
  readonly zone: DataCloudflareZone;

  constructor(scope: Construct, id: string, props: CloudflareZoneProps) {
    super(scope, id);
    const expected = new TerraformLocal(this, 'expected-plan', props.plan);
    expected.overrideLogicalId(EXPECTED_PLAN_LOCAL);
    this.zone = new DataCloudflareZone(this, 'zone', {
      filter: { name: props.name },
      lifecycle: {
        postcondition: [
          {
            condition: '${self.status == "active"}',
            errorMessage:
              `The Cloudflare zone ${props.name} is \${self.status}, not active: point the domain's nameservers at the ones the ` +
              'zone Overview lists, wait for Cloudflare to activate it, then run again (docs/deploy.md, "The Cloudflare zone").',
          },
          {
            condition: `\${self.plan.legacy_id == local.${EXPECTED_PLAN_LOCAL}}`,
            errorMessage:
              `The Cloudflare zone ${props.name} is on the \${self.plan.legacy_id} plan, but edge.plan says ${props.plan}: ` +
              'set edge.plan in config/<environment>.ts to the zone\'s plan (edge TTLs, rate limits and the managed WAF are checked against it).',
          },
        ],
      },
    });
  }

  /** The zone id, read from Cloudflare at plan time. */
  get id(): string {
    return this.zone.id;
  }
}
