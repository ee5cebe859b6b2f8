import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockContent } from '../../tools/generated-block';

// `npm run bench -- --update-docs` rewrites the figures between these markers (bench/run.ts); without
// them the run would end in an error after minutes of measuring.
describe('docs/benchmarks.md', () => {
  it('carries the block the bench rewrites, with the figures of a run in it', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/benchmarks.md'), 'utf8');
    const figures = blockContent(doc, { start: '<!-- bench:start -->', end: '<!-- bench:end -->' });
    expect(figures).toContain('regenerate with `npm run bench -- --update-docs`');
  });

  it('carries the metrics-cost block `--only api-metrics --update-docs` rewrites, with a run\'s verdict per endpoint', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/benchmarks.md'), 'utf8');
    const figures = blockContent(doc, { start: '<!-- bench:api-metrics:start -->', end: '<!-- bench:api-metrics:end -->' });
    expect(figures).toContain('regenerate with `npm run bench -- --only api-metrics --update-docs`');
    // The last cell: the verdict on the throughput cost and on the CPU cost.
    for (const endpoint of ['get', 'list', 'create']) expect(figures).toMatch(new RegExp(`^\\| ${endpoint} \\|.*\\| (met|missed) / (met|missed) \\|$`, 'm'));
  });
});
