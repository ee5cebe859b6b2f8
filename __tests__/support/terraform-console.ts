import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * Evaluates one expression with the real Terraform (`terraform console`), offline: no providers, no
 * state, only the given locals. Used to run expressions that cdktf synthesized, with Terraform's own
 * functions and semantics instead of a re-implementation. Needs `terraform` on PATH
 * (ci/install/terraform.sh).
 */
export function terraformEval(expression: string, locals: Record<string, unknown>): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'isoscribe-tf-console-'));
  try {
    // JSON is valid HCL for literal values, so the locals are written as JSON syntax.
    writeFileSync(join(dir, 'locals.tf.json'), JSON.stringify({ locals }));
    const run = spawnSync('terraform', ['console'], {
      cwd: dir,
      input: `jsonencode(${expression})\n`,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: join(dir, 'none.tfrc') },
    });
    if (run.error) {
      throw new Error(`cannot run terraform (${run.error.message}); install it with ci/install/terraform.sh`);
    }
    if (run.status !== 0) throw new Error(`terraform console failed on ${expression}:\n${run.stderr}`);
    // The console prints the string jsonencode() returned as a quoted HCL string literal.
    return JSON.parse(JSON.parse(run.stdout.trim()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `${expr}` → `expr`: the expression inside a synthesized interpolation. */
export function unwrapInterpolation(value: unknown): string {
  const m = typeof value === 'string' ? /^\$\{(.*)\}$/s.exec(value) : null;
  if (!m) throw new Error(`expected a "\${...}" interpolation, got ${JSON.stringify(value)}`);
  return m[1];
}
