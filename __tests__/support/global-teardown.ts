import { rmSync } from 'fs';
import { tmpdir } from 'os';

export default function globalTeardown(): void {
  const dir = process.env.ISOSCRIBE_SYNTH_DIR;
  if (dir && dir.startsWith(tmpdir())) rmSync(dir, { recursive: true, force: true });
}
