/**
 * The e2e run (e2e/e2e.ts) as part of `npm test`: both pods for real on loopback, exactly as the
 * workloads stack configures them, under load through a rolling restart, a MongoDB outage and
 * hostile input, and search on three OpenSearch nodes losing one. The counts are printed; each scenario's checks must all pass.
 */
import { DEFAULT_OPTIONS, runE2e, type E2eReport } from '../../e2e/e2e';

let report: E2eReport;

beforeAll(async () => {
  // Without the alert watch: `npm test` runs before CI's Prometheus build is awaited; the real tier's
  // __tests__/e2e/prometheus.real.test.ts proves the same alert against a real Prometheus.
  report = await runE2e({ ...DEFAULT_OPTIONS, alerting: undefined, outageMs: 2000 });
  console.log(report.text);
}, 240_000);

const failedChecks = (index: number) =>
  report.scenarios[index].checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);

describe('the pods, run for real', () => {
  it('lose no request during a rolling restart of the api', () => {
    expect(failedChecks(0)).toEqual([]);
  });

  it('answer 503 fast while MongoDB is down, keep /healthz up, recover by themselves and keep request_log within the queue bound', () => {
    expect(failedChecks(1)).toEqual([]);
  });

  it('answer bad input correctly, time out slow clients and keep running', () => {
    expect(failedChecks(2)).toEqual([]);
  });

  it('serve the frontend throughout', () => {
    expect(failedChecks(3)).toEqual([]);
  });

  it('keep every write and keep searching when an OpenSearch node (of three, security off here) is lost mid-write', () => {
    expect(failedChecks(4)).toEqual([]);
  });
});
