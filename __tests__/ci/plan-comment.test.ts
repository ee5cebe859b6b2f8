import { combinePlans, MAX_COMMENT_CHARS, PLAN_COMMENT_MARKER, planSummary, renderEnvironmentPlans, secretValueTypes } from '../../ci/plan-comment';
import { synthesized } from '../support/topology';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findMarkedComment } = require('../../.github/scripts/upsert-comment.js');

// Shaped like `cdktf diff --no-color` output (terraform plan with cdktf's stack prefix).
const CHANGES = `isoscribe-staging-core  Initializing the backend...
isoscribe-staging-core  Terraform used the selected providers to generate the following execution plan.
isoscribe-staging-core  # google_compute_network.vpc will be updated in-place
  ~ resource "google_compute_network" "vpc" {
      ~ routing_mode = "REGIONAL" -> "GLOBAL"
    }
isoscribe-staging-core  Plan: 0 to add, 1 to change, 0 to destroy.`;

describe('plan comment', () => {
  it('summarizes each stack: counts, no changes, or failure', () => {
    expect(planSummary({ stack: 'a', status: 0, output: CHANGES })).toBe('0 to add, 1 to change, 0 to destroy');
    expect(planSummary({ stack: 'a', status: 0, output: '\x1b[1mNo changes.\x1b[0m Your infrastructure matches the configuration.' })).toBe('no changes');
    expect(planSummary({ stack: 'a', status: 1, output: 'Error: googleapi: Error 403' })).toBe('failed');
  });

  it('puts every stack in its own collapsed section, in the given order, without terminal colours', () => {
    const md = renderEnvironmentPlans('staging', [
      { stack: 'isoscribe-staging-core', status: 0, output: `\x1b[32m${CHANGES}\x1b[0m` },
      { stack: 'isoscribe-staging-edge', status: 0, output: 'No changes.' },
    ]);
    const sections = md.match(/<details><summary><code>([^<]+)<\/code>: ([^<]+)<\/summary>/g)!;
    expect(sections).toEqual([
      '<details><summary><code>isoscribe-staging-core</code>: 0 to add, 1 to change, 0 to destroy</summary>',
      '<details><summary><code>isoscribe-staging-edge</code>: no changes</summary>',
    ]);
    expect(md).toContain('~ routing_mode = "REGIONAL" -> "GLOBAL"');
    expect(md).not.toContain('\x1b');
    expect(md.match(/<\/details>/g)).toHaveLength(2);
  });

  it('cannot be broken out of its code fence by backticks in a plan', () => {
    const md = renderEnvironmentPlans('staging', [{ stack: 's', status: 0, output: 'value = "```"\nNo changes.' }]);
    expect(md).toContain('````text\nvalue = "```"');
    expect(md).toContain('\n````\n');
  });

  it('clips huge plans so the combined comment stays under GitHub\'s limit, with the marker first', () => {
    const huge = Array.from({ length: 20_000 }, (_, i) => `  + resource line ${i}`).join('\n');
    const parts = ['staging', 'production'].map((env) =>
      renderEnvironmentPlans(env, [1, 2, 3].map((n) => ({ stack: `isoscribe-${env}-s${n}`, status: 0, output: `${huge}\nPlan: 9 to add, 0 to change, 0 to destroy.` })), MAX_COMMENT_CHARS / 2),
    );
    const comment = combinePlans(parts);
    expect(comment.startsWith(`${PLAN_COMMENT_MARKER}\n`)).toBe(true);
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(comment).toContain('more characters: see the job log');
    expect(comment.match(/<\/details>/g)).toHaveLength(6);
  });

  it('finds the comment to update by its hidden marker only', () => {
    const comments = [
      { id: 1, body: 'mentions <!-- isoscribe:cdktf-plan --> later' },
      { id: 2, body: `${PLAN_COMMENT_MARKER}\n## Terraform plans` },
      { id: 3, body: `${PLAN_COMMENT_MARKER}\nolder duplicate` },
    ];
    expect(findMarkedComment(comments, PLAN_COMMENT_MARKER)).toEqual(comments[1]);
    expect(findMarkedComment([{ id: 4, body: null }], PLAN_COMMENT_MARKER)).toBeUndefined();
  });
});

describe('pull-request plans and secret values', () => {
  it('finds the secret-holding types of the synthesized stacks, so they are reported as not planned rather than failing on a 403', () => {
    const shared = synthesized();
    expect(secretValueTypes(shared.read('isoscribe-staging-core'))).toEqual([]);
    expect(secretValueTypes({ resource: { kubernetes_secret_v1: {}, kubernetes_deployment_v1: {} }, data: { google_secret_manager_secret_version: {} } }))
      .toEqual(['data.google_secret_manager_secret_version', 'kubernetes_secret_v1']);
    const skipped = { stack: 's', status: 0, output: 'Not planned', skipped: 'reads secrets' };
    expect(planSummary(skipped)).toBe('not planned (reads secret values)');
  });
});
