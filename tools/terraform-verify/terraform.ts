import { spawn } from 'child_process';
import { tmpdir } from 'os';
import type { Diagnostic, ResourceChange, TerraformError } from './types';

// Running terraform and reading what it says

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
}

export function runTerraform(args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    // Own process group, so a timeout also ends the provider plugins terraform started.
    const child = spawn('terraform', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run terraform (${e.message}); install it with ci/install/terraform.sh`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, seconds: (Date.now() - started) / 1000, timedOut });
    });
  });
}

export async function terraformVersionOf(env: Record<string, string>): Promise<string> {
  const r = await runTerraform(['version', '-json'], tmpdir(), env, 60_000);
  try {
    return JSON.parse(r.stdout).terraform_version;
  } catch {
    throw new Error(`cannot read \`terraform version -json\`: ${r.stderr.trim()}`);
  }
}

export function parseValidate(r: RunResult): Diagnostic[] {
  try {
    return (JSON.parse(r.stdout).diagnostics ?? []).filter((d: Diagnostic) => d.severity === 'error');
  } catch {
    return r.code === 0 ? [] : [{ severity: 'error', summary: 'terraform validate failed', detail: (r.stderr || r.stdout).trim() }];
  }
}

export function parseTestRun(stdout: string): { diagnostics: Diagnostic[]; resourceChanges?: ResourceChange[] } {
  const diagnostics: Diagnostic[] = [];
  let resourceChanges: ResourceChange[] | undefined;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.type === 'diagnostic' && msg.diagnostic.severity === 'error') diagnostics.push(msg.diagnostic);
    if (msg.type === 'test_plan') resourceChanges = msg.test_plan.resource_changes ?? [];
  }
  return { diagnostics, resourceChanges };
}

/**
 * Terraform names the block either as `address` or, for config errors, as the snippet's JSON path; in
 * a JSON config the snippet's line is `"attribute": value`, which completes the attribute path.
 */
export function toError(stack: string, phase: TerraformError['phase'], d: Diagnostic): TerraformError {
  let address = d.address;
  const attribute: string[] = [];
  const context = d.snippet?.context ?? undefined;
  if (context) {
    const parts = context.split('.');
    const path = parts[0] === 'resource' ? parts.slice(1) : parts;
    const n = path[0] === 'data' ? 3 : 2;
    const ctxAddress = path.slice(0, n).join('.');
    address ??= ctxAddress;
    if (address === ctxAddress) {
      attribute.push(...path.slice(n));
      const key = /^\s*"([^"]+)"\s*:/.exec(d.snippet?.code ?? '')?.[1];
      if (key) attribute.push(key);
    }
  }
  const line = d.range?.filename === 'cdk.tf.json' ? d.range.start?.line : undefined;
  return {
    stack,
    phase,
    address,
    attribute: attribute.length > 0 ? attribute.join('.') : undefined,
    line,
    summary: d.summary,
    detail: (d.detail ?? '').trim(),
  };
}

export function timeoutError(stack: string, phase: TerraformError['phase'], timeoutMs: number): TerraformError {
  return {
    stack,
    phase,
    summary: `timed out after ${timeoutMs / 1000} s`,
    detail: 'a provider or data source waited on something (the network?); rerun with --keep and read the working copy',
  };
}

/** One line per error: stack › address (attribute): summary — detail. */
export function formatError(e: TerraformError): string {
  const where = [e.address, e.attribute ? `(${e.attribute})` : '', e.line ? `[cdk.tf.json:${e.line}]` : ''].filter(Boolean).join(' ');
  const detail = e.detail ? ` — ${e.detail.replace(/\s+/g, ' ')}` : '';
  return `${e.stack}${where ? ` › ${where}` : ''}: ${e.phase}: ${e.summary}${detail}`;
}
