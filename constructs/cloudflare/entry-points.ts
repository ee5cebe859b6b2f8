import { DataCloudflareRulesets } from '@cdktf/provider-cloudflare/lib/data-cloudflare-rulesets';
import type { Ruleset } from '@cdktf/provider-cloudflare/lib/ruleset';
import { Construct } from 'constructs';

export interface EntryPointRulesetsProps {
  readonly zoneId: string;
  /** The zone-level entry-point rulesets this stack manages (one per phase). */
  readonly rulesets: Ruleset[];
  /** Entry points made outside Terraform to import instead of create, by phase → ruleset id. */
  readonly adopt: Readonly<Partial<Record<string, string>>>;
  /** Where `adopt` is configured, for the error message. */
  readonly adoptField: string;
}

/**
 * A zone has at most one entry-point ruleset per phase, and creating a second fails. Entry points made
 * in the dashboard are therefore adopted: listed in config, they are imported into the stack (then
 * updated to ours), not created. The plan reads the zone's rulesets and fails, naming each id to
 * adopt, when a managed phase has a foreign entry point that config does not adopt.
 */
export class EntryPointRulesets extends Construct {
  readonly existing: DataCloudflareRulesets;

  constructor(scope: Construct, id: string, props: EntryPointRulesetsProps) {
    super(scope, id);
    const ours = props.rulesets.map((r) => ({ phase: r.phaseInput!, name: r.nameInput! }));
    for (const ruleset of props.rulesets) {
      const adopted = props.adopt[ruleset.phaseInput!];
      if (adopted !== undefined) ruleset.importFrom(`zones/${props.zoneId}/${adopted}`);
    }
    const phases = JSON.stringify(ours.map((r) => r.phase));
    // Ours are recognised by name once they exist (a dashboard-made entry point is named "default").
    const names = JSON.stringify(ours.map((r) => r.name));
    const adoptedIds = JSON.stringify(Object.values(props.adopt));
    const foreign = `[for r in self.rulesets : r if r.kind == "zone" && contains(${phases}, r.phase) && !contains(${names}, r.name) && !contains(${adoptedIds}, r.id)]`;
    this.existing = new DataCloudflareRulesets(this, 'existing', {
      zoneId: props.zoneId,
      lifecycle: {
        postcondition: [
          {
            condition: `\${length(${foreign}) == 0}`,
            errorMessage:
              'The zone already has entry-point rulesets for phases this stack creates, and a zone takes one per phase: ' +
              `\${join(", ", [for r in ${foreign} : "${'$'}{r.phase} = \\"${'$'}{r.id}\\" (${'$'}{r.name})"])}. ` +
              `Adopt them: in ${props.adoptField} add <phase>: "<id>" for each, and run again; they are imported, then ` +
              'take this stack\'s rules (docs/deploy.md, "Adopting a zone\'s rulesets").',
          },
        ],
      },
    });
  }
}
