/**
 * `npm run e2e`: the api and frontend pods run for real on loopback (see e2e/e2e.ts), under load
 * and faults. Prints the counts of every scenario; exits 1 if any check failed.
 */
import { runE2e } from './e2e';

runE2e(undefined, (line) => process.stderr.write(`e2e: ${line}\n`)).then(
  (report) => {
    process.stdout.write(`${report.text}\n`);
    process.exit(report.ok ? 0 : 1);
  },
  (error) => {
    process.stderr.write(`e2e: failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
