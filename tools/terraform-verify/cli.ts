/**
 * `npm run verify:terraform` (tools/terraform-verify/README.md): every synthesized stack through the real Terraform providers, offline.
 *
 * 1. The pinned providers are installed (tools/terraform-verify/providers.ts: the mirror from
 *    ../shared/terraform-providers when present, the registry otherwise) and `terraform init` runs
 *    once per distinct provider set; every stack shares that set's data dir (TF_DATA_DIR).
 * 2. Every stack, on a copy in a temporary directory (cdktf.out is never touched):
 *    `terraform validate`, then a plan of every resource (`terraform test` with one `command = plan`
 *    run, refresh off) in dependency order. `terraform test` is used for its `override_data` (and
 *    `override_resource` for the few resource types whose plan needs an API, stand-ins.ts): the
 *    cross-stack `terraform_remote_state` reads get the upstream stack's own planned outputs, and
 *    data sources that would call an API get the stand-ins of stand-ins.ts. Nothing else is replaced;
 *    no backend is initialized or read.
 * 3. Every HTTP(S) request the providers try goes to a loopback proxy that refuses it and records
 *    the host, so nothing leaves the machine even where a network exists (GitHub runners), and an
 *    attempt fails the run with the resource address that tried. Credentials are dummies, and the
 *    credential plugin a kubernetes provider's `exec` block names (gke-gcloud-auth-plugin) is a
 *    refusing stand-in first on PATH: an offline plan must never need a cluster's token, and a
 *    plugin installed on the machine must not answer instead.
 *
 * Prints a per-stack table and writes cdktf.out/terraform-verify.{json,md}. Exit code 1 on any error.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { renderMarkdown } from './report';
import { formatError } from './terraform';
import { EXPECTED_NETWORK_ATTEMPTS, verifyStacks } from './verify';

// CLI

function parseArgs(argv: string[]): { synthDir: string; stacks?: string[]; parallel?: number; keep: boolean } {
  const out: { synthDir: string; stacks?: string[]; parallel?: number; keep: boolean } = { synthDir: 'cdktf.out', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--synth-dir') out.synthDir = value();
    else if (arg === '--stacks') out.stacks = value().split(',').filter(Boolean);
    else if (arg === '--parallel') {
      out.parallel = Number(value());
      if (!Number.isInteger(out.parallel) || out.parallel < 1) throw new Error('--parallel must be a whole number of at least 1');
    } else if (arg === '--keep') out.keep = true;
    else throw new Error(`unknown argument ${arg}; usage: verify [--synth-dir cdktf.out] [--stacks a,b] [--parallel 2] [--keep]`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const report = await verifyStacks({ ...args, log: (l) => console.log(l) });
  const markdown = renderMarkdown(report);
  writeFileSync(join(args.synthDir, 'terraform-verify.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(args.synthDir, 'terraform-verify.md'), markdown);
  console.log(markdown);
  console.log(`report: ${join(args.synthDir, 'terraform-verify.md')} and terraform-verify.json`);
  if (!report.ok) {
    console.error('verify:terraform FAILED:');
    for (const e of report.stacks.flatMap((s) => s.errors)) console.error(`  ${formatError(e)}`);
    for (const s of report.stacks) {
      for (const h of s.networkAttempts.filter((x) => !EXPECTED_NETWORK_ATTEMPTS[x])) {
        console.error(`  ${s.stack}: a provider tried to reach ${h} (refused); give the data source that did a stand-in in tools/terraform-verify/stand-ins.ts`);
      }
    }
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`verify:terraform: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
