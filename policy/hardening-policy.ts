import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Annotations, App, Aspects, DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import type { Attributes } from './attributes';
import { address, StackView, type PolicyRule, type ResourceView, type StackPolicyScope } from './rule';
import { HARDENING_RULES } from './rules';
import { PolicySuppressions } from './suppressions';

/** One rule's verdict on one resource that does not comply. */
export interface PolicyFinding {
  readonly ruleId: string;
  readonly description: string;
  readonly fix: string;
  readonly stack: string;
  /** Construct path, e.g. `isoscribe-dev-cluster-us-central1/gke/cluster`. */
  readonly path: string;
  /** Terraform address, e.g. `google_container_cluster.gke_cluster_4E1D2E42`. */
  readonly address: string;
  /** What is wrong, attribute by attribute. */
  readonly problems: readonly string[];
  /** Set when a suppression accepts the finding: the written reason. */
  readonly suppressedBecause?: string;
}

/** What `cdktf.out/policy-report.json` holds. */
export interface PolicyReport {
  readonly rules: { id: string; description: string }[];
  readonly stacks: { name: string; resourcesChecked: number }[];
  readonly violations: PolicyFinding[];
  readonly suppressed: PolicyFinding[];
}

export const REPORT_FILE = 'policy-report.json';

/** The message of an error annotation: rule, what is wrong, where, and how to fix it. */
export function formatViolation(f: PolicyFinding): string {
  return `[${f.ruleId}] ${f.description} Problem: ${f.problems.join('; ')}. Fix: ${f.fix} `
    + `Resource: ${f.address} at ${f.path}. (Accepting it instead: PolicySuppressions.add(resource, [{ id: '${f.ruleId}', reason: '...' }]).)`;
}

const appPolicies = new WeakMap<App, HardeningPolicy>();

/**
 * The synth-time policy pack: a cdktf Aspect that checks every resource of every stack against the
 * hardening rules (docs/policy.md) by its synthesized Terraform attributes. A violation becomes an
 * error annotation, so synth fails; a suppressed one becomes a warning that carries its reason.
 *
 * cdktf invokes only the aspects of each stack and its children (never the App's own), so the policy
 * is added to every stack by `applyTo`.
 */
export class HardeningPolicy implements IAspect {
  /**
   * Checks every stack of the app; call it after the stacks exist. Idempotent: one policy per app.
   * The app then also refuses to synthesize a stack the policy was not added to, and writes the
   * report to `<outdir>/policy-report.json`.
   */
  static applyTo(app: App): HardeningPolicy {
    let policy = appPolicies.get(app);
    if (!policy) {
      const created = new HardeningPolicy();
      policy = created;
      appPolicies.set(app, created);
      app.node.addValidation({
        validate: () => {
          const unchecked = created.uncheckedStacks(app);
          if (unchecked.length > 0) {
            return [`stacks ${unchecked.join(', ')} were created after HardeningPolicy.applyTo(app); call it once every stack exists (end of defineEnvironment)`];
          }
          created.writeReport(app.outdir);
          return [];
        },
      });
    }
    for (const stack of app.node.findAll().filter(TerraformStack.isStack)) {
      if (!Aspects.of(stack).all.includes(policy)) Aspects.of(stack).add(policy);
    }
    return policy;
  }

  private readonly results: PolicyFinding[] = [];
  private readonly stacksChecked = new Map<TerraformStack, number>();

  constructor(readonly rules: readonly PolicyRule[] = HARDENING_RULES) {}

  visit(node: IConstruct): void {
    if (TerraformStack.isStack(node)) this.checkStack(node);
  }

  /** Checks one stack once (a second synth of the same tree does not add annotations twice). */
  checkStack(stack: TerraformStack): PolicyFinding[] {
    if (this.stacksChecked.has(stack)) return this.results.filter((f) => f.stack === stack.node.id);
    const resources = stack.node.findAll().filter(TerraformResource.isTerraformResource).flatMap((r) => viewOf(stack, r));
    const declared = stack as Partial<StackPolicyScope>;
    const view = new StackView(stack.node.id, resources, { imageDigestsRequired: declared.imageDigestsRequired === true, disposable: declared.disposable === true });
    const findings: PolicyFinding[] = [];
    for (const resource of resources) {
      const construct = resource.construct!;
      const suppressions = PolicySuppressions.of(construct);
      for (const rule of this.rules.filter((r) => r.resourceTypes.includes(resource.type))) {
        const problems = rule.check(resource, view);
        const suppression = suppressions.find((s) => s.id === rule.id);
        if (problems.length === 0) {
          if (suppression) Annotations.of(construct).addWarning(`[${rule.id}] suppression is no longer needed (the resource complies); remove it`);
          continue;
        }
        const finding: PolicyFinding = {
          ruleId: rule.id,
          description: rule.description,
          fix: rule.fix,
          stack: stack.node.id,
          path: construct.node.path,
          address: address(resource),
          problems,
          suppressedBecause: suppression?.reason,
        };
        findings.push(finding);
        if (suppression) {
          Annotations.of(construct).addWarning(`[${rule.id}] suppressed: ${suppression.reason} (${rule.description} Problem: ${problems.join('; ')}.)`);
        } else {
          Annotations.of(construct).addError(formatViolation(finding));
        }
      }
    }
    const violations = findings.filter((f) => !f.suppressedBecause).length;
    Annotations.of(stack).addInfo(
      `hardening policy: ${resources.length} resources checked against ${this.rules.length} rules: ${violations} violations, ${findings.length - violations} suppressed`,
    );
    this.stacksChecked.set(stack, resources.length);
    this.results.push(...findings);
    return findings;
  }

  /** Findings that fail synth. */
  get violations(): PolicyFinding[] {
    return this.results.filter((f) => !f.suppressedBecause);
  }

  /** Findings accepted by a suppression, with their reasons. */
  get suppressed(): PolicyFinding[] {
    return this.results.filter((f) => f.suppressedBecause);
  }

  report(): PolicyReport {
    return {
      rules: this.rules.map((r) => ({ id: r.id, description: r.description })),
      stacks: [...this.stacksChecked].map(([stack, count]) => ({ name: stack.node.id, resourcesChecked: count })),
      violations: this.violations,
      suppressed: this.suppressed,
    };
  }

  writeReport(outdir: string): void {
    mkdirSync(outdir, { recursive: true });
    writeFileSync(join(outdir, REPORT_FILE), `${JSON.stringify(this.report(), null, 2)}\n`);
  }

  private uncheckedStacks(app: App): string[] {
    return app.node.findAll().filter(TerraformStack.isStack).filter((s) => !Aspects.of(s).all.includes(this)).map((s) => s.node.id);
  }
}

// The resolver cdktf itself synthesizes with: references become `${type.name.attribute}` strings.
const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());

/** The resource as cdk.tf.json will carry it: attributes resolved in its stack, overrides applied. */
function viewOf(stack: TerraformStack, resource: TerraformResource): ResourceView[] {
  const json = Tokenization.resolve(resource.toTerraform(), { scope: stack, resolver: TOKEN_RESOLVER }) as { resource?: Record<string, Record<string, Attributes>> };
  const body = json.resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId];
  if (!body) return []; // moved away: nothing of it is synthesized
  const { ['//']: _metadata, ...attributes } = body;
  return [{ type: resource.terraformResourceType, name: resource.friendlyUniqueId, attributes, construct: resource }];
}
