import { existsSync, mkdirSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import globalTeardown from './global-teardown';

describe('globalTeardown deletes only the synth the test run made', () => {
  const saved = { synth: process.env.ISOSCRIBE_SYNTH_DIR, made: process.env.ISOSCRIBE_TEST_SYNTH_DIR };
  afterEach(() => {
    process.env.ISOSCRIBE_SYNTH_DIR = saved.synth;
    if (saved.made === undefined) delete process.env.ISOSCRIBE_TEST_SYNTH_DIR;
    else process.env.ISOSCRIBE_TEST_SYNTH_DIR = saved.made;
  });

  it("keeps a caller's synth under the temporary directory (CI's cdktf.out in a clone under /tmp)", () => {
    const callers = join(mkdtempSync(join(tmpdir(), 'isoscribe-teardown-')), 'cdktf.out');
    mkdirSync(callers);
    process.env.ISOSCRIBE_SYNTH_DIR = callers;
    delete process.env.ISOSCRIBE_TEST_SYNTH_DIR;
    globalTeardown();
    expect(existsSync(callers)).toBe(true);
  });

  it('removes the directory global-setup synthesized into', () => {
    const made = mkdtempSync(join(tmpdir(), 'isoscribe-test-synth-'));
    process.env.ISOSCRIBE_SYNTH_DIR = made;
    process.env.ISOSCRIBE_TEST_SYNTH_DIR = made;
    globalTeardown();
    expect(existsSync(made)).toBe(false);
  });
});
