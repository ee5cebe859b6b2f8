import { Ruleset } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';

/** The Cloudflare Managed Ruleset's id: the same in every zone. */
export const CLOUDFLARE_MANAGED_RULESET_ID = 'efb7b8c949ac4650a09736fc376e9aee';

export interface ManagedWafProps {
  readonly zoneId: string;
}

/**
 * The zone's entry-point ruleset of the `http_request_firewall_managed` phase, executing the
 * Cloudflare Managed Ruleset on every request with its default actions. Needs a Pro plan or higher.
 */
export class ManagedWaf extends Construct {
  readonly ruleset: Ruleset;

  constructor(scope: Construct, id: string, props: ManagedWafProps) {
    super(scope, id);
    this.ruleset = new Ruleset(this, 'ruleset', {
      zoneId: props.zoneId,
      kind: 'zone',
      phase: 'http_request_firewall_managed',
      name: 'Managed WAF',
      description: 'Cloudflare Managed Ruleset on every request',
      rules: [
        {
          action: 'execute',
          description: 'Execute the Cloudflare Managed Ruleset',
          expression: 'true',
          enabled: true,
          actionParameters: { id: CLOUDFLARE_MANAGED_RULESET_ID },
        },
      ],
    });
  }
}
