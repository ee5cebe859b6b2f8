/**
 * The real promtool and Prometheus (ci/install/prometheus.sh builds them from the Go module
 * proxy into the cache), and an environment's alerts rendered as the rule file they read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../../config';
import { loadDelivery } from '../../../config/delivery';
import { ruleFile } from '../../../monitoring';
import { uptimeCheckIdsFor } from '../../../e2e/prometheus';
import { alertsOf, monitoredWorkloads, runbookBase } from '../../../stacks/monitoring-stack';
import { securityPolicyNames } from '../../../config/naming';
import type { WorkloadDefinition } from '../../../workloads';
import { ruleTests, type RuleTestContext } from './rule-tests';

// Where the binaries are and the literal uptime check ids are the e2e run's too.
export { prometheusBinDir, uptimeCheckIdsFor } from '../../../e2e/prometheus';

/** The alerts of `env`, their rule file and their unit tests, written into a fresh directory. */
export function writeRuleFiles(env: EnvironmentConfig, definitions: readonly WorkloadDefinition[]): { dir: string; ctx: RuleTestContext; tests: ReturnType<typeof ruleTests> } {
  const uptimeCheckIds = uptimeCheckIdsFor(definitions);
  const policies = securityPolicyNames(env);
  const ctx: RuleTestContext = {
    alerts: alertsOf(env, definitions, uptimeCheckIds),
    workloads: monitoredWorkloads(env, definitions),
    regions: env.regions.map((r) => r.name),
    uptimeCheckIds,
    securityPolicies: [policies.backends, policies.bundles],
    runbookBase: runbookBase(loadDelivery()),
    slo: env.monitoring.slo,
  };
  const dir = mkdtempSync(join(tmpdir(), `isoscribe-rules-${env.name}-`));
  writeFileSync(join(dir, 'rules.json'), ruleFile(`isoscribe-${env.name}`, ctx.alerts, ctx.runbookBase));
  const tests = ruleTests(ctx, 'rules.json');
  writeFileSync(join(dir, 'tests.json'), JSON.stringify(tests, null, 2));
  return { dir, ctx, tests };
}

/** Runs promtool; returns its exit status and everything it printed. */
export function promtool(binDir: string, args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(join(binDir, 'promtool'), args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
