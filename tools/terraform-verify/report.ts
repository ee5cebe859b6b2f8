import { EXPECTED_NETWORK_ATTEMPTS } from './verify';
import { formatError } from './terraform';
import type { StackReport, VerifyReport } from './types';

// Report

export function renderMarkdown(report: VerifyReport): string {
  const lines: string[] = [];
  lines.push(`## Real providers: validate and offline plan of ${report.stacks.length} stacks`);
  lines.push('');
  lines.push(
    `Terraform ${report.terraformVersion}, providers from the ${report.mode}, ${report.parallel} in parallel: ` +
      `wall ${report.wallSeconds.toFixed(1)} s (provider install ${report.providerInstallSeconds.toFixed(1)} s, init ${report.initSeconds.toFixed(1)} s). ` +
      (report.ok ? 'All passed.' : '**Failed.**'),
  );
  lines.push('');
  lines.push('| stack | validate | plan | add | change | destroy | seconds (validate + plan) | stand-ins | errors |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of report.stacks) {
    const seconds = `${s.seconds.toFixed(1)} (${s.validateSeconds.toFixed(1)} + ${s.planSeconds.toFixed(1)})`;
    lines.push(`| ${s.stack} | ${s.validate} | ${s.plan}${s.skippedBecause ? ` (${s.skippedBecause})` : ''} | ${s.add} | ${s.change} | ${s.destroy} | ${seconds} | ${s.standIns.length} | ${s.errors.length} |`);
  }
  const sum = (f: (s: StackReport) => number) => report.stacks.reduce((n, s) => n + f(s), 0);
  lines.push(`| **total** | | | ${sum((s) => s.add)} | ${sum((s) => s.change)} | ${sum((s) => s.destroy)} | ${sum((s) => s.seconds).toFixed(1)} (${sum((s) => s.validateSeconds).toFixed(1)} + ${sum((s) => s.planSeconds).toFixed(1)}) | ${sum((s) => s.standIns.length)} | ${sum((s) => s.errors.length)} |`);
  const errors = report.stacks.flatMap((s) => s.errors);
  if (errors.length > 0) {
    lines.push('', '### Errors', '');
    for (const e of errors) lines.push(`- ${formatError(e)}`);
  }
  const attempts = report.stacks.flatMap((s) => s.networkAttempts.map((h) => ({ stack: s.stack, host: h })));
  if (attempts.length > 0) {
    lines.push('', '### Network attempts (refused by the loopback proxy: nothing was sent)', '');
    const hosts = [...new Set(attempts.map((a) => a.host))];
    for (const host of hosts) {
      const by = attempts.filter((a) => a.host === host).map((a) => a.stack);
      const why = EXPECTED_NETWORK_ATTEMPTS[host] ?? '**unexpected: fails the run**';
      lines.push(`- ${host} from ${by.length} stack(s) (${by.join(', ')}): ${why}`);
    }
  }
  lines.push('', '### Stand-ins (values the plan did not get from a real cloud)', '');
  for (const s of report.stacks) {
    for (const u of s.standIns) lines.push(`- ${s.stack} › \`${u.target}\` = \`${JSON.stringify(u.value)}\`: ${u.reason}`);
  }
  const reads = report.stacks.flatMap((s) => s.offlineReads.map((r) => `${s.stack} › \`${r}\``));
  if (reads.length > 0) {
    lines.push('', '### Data sources read by the real provider, offline', '');
    for (const r of reads) lines.push(`- ${r}`);
  }
  return `${lines.join('\n')}\n`;
}
