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
});
