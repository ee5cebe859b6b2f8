import { readFileSync } from 'node:fs';
import { DASHBOARD_DOC, OPERATIONS_DOC, README, renderDashboardDoc, renderSloTable, SLO_TABLE, withSloTable } from './operations-doc';

describe('operations-doc', () => {
  it('docs/dashboard.md and the SLO tables of docs/operations.md and the README are what `npm run operations-doc` generates', () => {
    expect(readFileSync(DASHBOARD_DOC, 'utf8')).toBe(renderDashboardDoc());
    for (const file of [OPERATIONS_DOC, README]) {
      const doc = readFileSync(file, 'utf8');
      expect(doc).toContain(SLO_TABLE.start);
      expect(doc).toBe(withSloTable(doc));
    }
  });

  it('the SLO table has a row per workload with its threshold, uptime path and every environment\'s objectives', () => {
    const table = renderSloTable();
    // 217.8 ms = 1.4^16 ms, the LB latency bucket bound at or below 300 ms.
    expect(table).toContain('| api | 300 ms | 217.8 ms | `/api/v1/documents?limit=1` | 99% / 95% | 99.5% / 99% | 99.9% / 99% |');
    expect(table.split('\n')[0]).toBe('| Workload | Latency threshold (LB) | Bucket read (bound at or below) | Uptime path | dev: availability / latency | staging: availability / latency | production: availability / latency |');
  });

  it('a document without the markers is refused, naming them', () => {
    expect(() => withSloTable('# Operations\n')).toThrow(SLO_TABLE.start);
    expect(() => withSloTable('# Isoscribe\n', 'README.md')).toThrow('README.md has no');
  });
});
