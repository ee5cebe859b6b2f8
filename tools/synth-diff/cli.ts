// npm run synth-diff -- --base <dir | git ref> [--head <dir | git ref>] [--out comment.md] [--identical]
// Prints a Markdown summary of what changes between two cdktf synth outputs. Exit 0 whether or not
// anything changed; 1 on errors (missing directory, invalid JSON, failed synth); 2 on bad usage.
// With --identical (a refactoring's proof), exit 3 unless every synthesized file is byte-identical.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { diffSynthOutputs } from './diff';
import { differingFiles } from './identical';
import { loadSynthOutput, SynthDiffError, type SynthOutput } from './load';
import { renderMarkdown } from './render';
import { resolveGitRef, synthesizeGitRef, type SynthOptions } from './synth';

const USAGE = `usage: npm run synth-diff -- --base <dir | git ref> [options]

  --base <dir | ref>   synth output to compare against (a cdktf.out directory), or a git revision
                       to synthesize in a temporary worktree (e.g. origin/main)
  --head <dir | ref>   synth output with the changes (default: cdktf.out)
  --out <file>         write the Markdown to a file instead of stdout
  --synth-cmd <cmd>    command that synthesizes a git revision (default: npm run synth)
  --synth-out <dir>    where that command writes, relative to the repository (default: cdktf.out)
  --max-chars <n>      cap on the Markdown's length (default: 65000, under GitHub's 65536)
  --max-per-stack <n>  changes listed per stack before "... N more" (default: 100)
  --title <text>       heading (default: Synth diff)
  --identical          check that every synthesized file is byte-identical instead: list the files
                       that differ and exit 3 if any does (e.g. --base main after a refactoring)`;

class UsageError extends Error {}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${flag} must be a positive integer (got "${value}")`);
  return number;
}

/** A directory is read as is; anything else must be a git revision, synthesized into `scratch`. */
function resolveSide(spec: string, scratch: string, synth: SynthOptions): { output: SynthOutput; label: string } {
  if (fs.existsSync(spec)) return { output: loadSynthOutput(spec), label: spec };
  if (resolveGitRef(process.cwd(), spec) === undefined) {
    throw new SynthDiffError(`${spec}: no such directory, and not a git revision of ${process.cwd()} (synthesize first with \`npm run synth\`, or fetch the revision)`);
  }
  const dir = fs.mkdtempSync(path.join(scratch, 'out-'));
  process.stderr.write(`synth-diff: synthesizing ${spec} in a temporary worktree\n`);
  const commit = synthesizeGitRef(spec, dir, synth);
  return { output: loadSynthOutput(dir), label: `${spec} (${commit.slice(0, 7)})` };
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      head: { type: 'string', default: 'cdktf.out' },
      out: { type: 'string' },
      'synth-cmd': { type: 'string' },
      'synth-out': { type: 'string' },
      'max-chars': { type: 'string' },
      'max-per-stack': { type: 'string' },
      title: { type: 'string' },
      identical: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.base === undefined) throw new UsageError('--base is required');
  const maxChars = positiveInteger('max-chars', values['max-chars']);
  if (maxChars !== undefined && maxChars < 2_000) throw new UsageError(`--max-chars must be at least 2000 (got ${maxChars})`);
  const synth: SynthOptions = { synthCommand: values['synth-cmd'], synthOut: values['synth-out'] };

  const started = performance.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-diff-out-'));
  try {
    const base = resolveSide(values.base, scratch, synth);
    const head = resolveSide(values.head, scratch, synth);
    if (values.identical) {
      const differing = differingFiles(base.output.dir, head.output.dir);
      if (differing.length === 0) {
        process.stdout.write(`synth-diff: ${head.label} is byte-identical to ${base.label} (${Object.keys(head.output.stacks).length} stacks)\n`);
        return 0;
      }
      process.stdout.write(`synth-diff: ${differing.length} file(s) differ between ${base.label} and ${head.label}:\n${differing.map((f) => `  ${f}\n`).join('')}`);
      return 3;
    }
    const markdown = renderMarkdown(diffSynthOutputs(base.output, head.output), {
      baseLabel: base.label,
      headLabel: head.label,
      maxChars,
      maxChangesPerStack: positiveInteger('max-per-stack', values['max-per-stack']),
      title: values.title,
    });
    if (values.out === undefined) {
      process.stdout.write(markdown);
    } else {
      fs.writeFileSync(values.out, markdown);
      process.stderr.write(`synth-diff: wrote ${values.out} (${markdown.length} chars) in ${Math.round(performance.now() - started)} ms\n`);
    }
    return 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`synth-diff: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof SynthDiffError) {
    process.stderr.write(`synth-diff: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
