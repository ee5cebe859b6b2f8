import { rmSync } from 'fs';

/**
 * Deletes the synth global-setup.ts made, and only that: a directory a caller synthesized and handed
 * over in ISOSCRIBE_SYNTH_DIR (CI's cdktf.out, which may well live under the temporary directory) stays.
 */
export default function globalTeardown(): void {
  const dir = process.env.ISOSCRIBE_TEST_SYNTH_DIR;
  if (dir && dir === process.env.ISOSCRIBE_SYNTH_DIR) rmSync(dir, { recursive: true, force: true });
}
