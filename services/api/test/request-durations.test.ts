// The request-duration histogram the API keeps in plain arrays (src/metrics.ts) renders what a
// Prometheus histogram is: cumulative buckets with `le`, a bound counting the values equal to it,
// +Inf equal to _count, and _sum; the metrics listener's test and the real Prometheus in the e2e
// tier read the same output over HTTP.
import { ApiMetrics } from '../src/metrics';

const lines = async (metrics: ApiMetrics) =>
  (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('isoscribe_api_http_request_duration_seconds'));

describe('request durations', () => {
  it('renders cumulative buckets, +Inf, _sum and _count per method, route pattern and status', async () => {
    const metrics = new ApiMetrics({ analytics: () => ({ queued: 0, dropped: 0 }), mongodbDeadlineExpiries: () => 0 });
    for (const seconds of [0.005, 0.2, 0.3, 7]) metrics.observeRequest('GET', '/api/v1/documents/:id', 200, seconds);
    metrics.observeRequest('POST', '/api/v1/documents', 201, 0.001);
    const text = await lines(metrics);
    const get = (suffix: string) => text.find((l) => l.startsWith(`isoscribe_api_http_request_duration_seconds${suffix}`))?.split(' ')[1];
    const labels = 'method="GET",route="/api/v1/documents/:id",status="200"';
    // A value equal to a bound is in that bucket (le: less than or equal).
    expect(get(`_bucket{${labels},le="0.005"}`)).toBe('1');
    expect(get(`_bucket{${labels},le="0.1"}`)).toBe('1');
    expect(get(`_bucket{${labels},le="0.3"}`)).toBe('3');
    expect(get(`_bucket{${labels},le="5"}`)).toBe('3');
    expect(get(`_bucket{${labels},le="+Inf"}`)).toBe('4');
    expect(get(`_count{${labels}}`)).toBe('4');
    expect(Number(get(`_sum{${labels}}`))).toBeCloseTo(7.505, 9);
    expect(get('_count{method="POST",route="/api/v1/documents",status="201"}')).toBe('1');
    expect(await metrics.registry.metrics()).toContain('# TYPE isoscribe_api_http_request_duration_seconds histogram');
  });

  it('starts empty again when the registry is reset', async () => {
    const metrics = new ApiMetrics({ analytics: () => ({ queued: 0, dropped: 0 }), mongodbDeadlineExpiries: () => 0 });
    metrics.observeRequest('GET', '/healthz', 200, 0.001);
    metrics.registry.resetMetrics();
    expect(await lines(metrics)).toEqual([]);
  });
});
