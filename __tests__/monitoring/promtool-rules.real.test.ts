/**
 * Every alert of every environment (and of the third-workload fixture) is a rule the real promtool
 * accepts (`check rules`: PromQL syntax, durations, labels) and behaves as meant (`test rules`: it
 * fires, with its severity and runbook, on series that should fire it and stays silent on series
 * that should not). The series stand in for what Cloud Monitoring would hold: Google's metrics cannot
 * be produced here, so each test builds them under the names and labels monitoring/metrics.ts cites.
 */
import { rmSync } from 'node:fs';
import { ENVIRONMENTS, loadEnvironments } from '../../config';
import { WORKLOADS } from '../../workloads';
import { search, withSearchEntry } from '../workloads/fixtures/search';
import { prometheusBinDir, promtool, writeRuleFiles } from './support/promtool';

jest.setTimeout(180_000);

const withSearch = () => withSearchEntry('staging', 2);

const cases = [
  ...loadEnvironments(ENVIRONMENTS).map((env) => ({ label: env.name, env, definitions: WORKLOADS })),
  { label: 'staging with the third workload (fixture)', env: withSearch(), definitions: [...WORKLOADS, search] },
];

describe.each(cases)('$label: the alert rules under the real promtool', ({ env, definitions }) => {
  const bin = prometheusBinDir();
  const { dir, ctx, tests } = writeRuleFiles(env, definitions);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('promtool check rules accepts every rule', () => {
    const result = promtool(bin, ['check', 'rules', 'rules.json'], dir);
    expect(result.output).toContain(`SUCCESS: ${ctx.alerts.length} rules found`);
    expect(result.status).toBe(0);
  });

  it('every alert has a case that fires it and one that leaves it silent', () => {
    const cases = tests.tests.flatMap((g) => g.alert_rule_test);
    const firing = new Set(cases.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
    const names = ctx.alerts.map((a) => a.name);
    expect(names.filter((n) => !firing.has(n))).toEqual([]);
    expect(names.filter((n) => !silent.has(n))).toEqual([]);
  });

  it('promtool test rules: each alert fires where it should and nowhere else', () => {
    const result = promtool(bin, ['test', 'rules', 'tests.json'], dir);
    if (result.status !== 0) throw new Error(result.output);
    expect(result.output).toContain('SUCCESS');
  });
});
