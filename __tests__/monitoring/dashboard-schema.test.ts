/**
 * Every generated dashboard (each environment's monitoring stack as synthesized, and staging with the
 * third workload, the fixture) is a valid Dashboard of the Cloud Monitoring API v1: checked against
 * Google's own Discovery document (vendored, testing/upstream/google-api-python-client/), since the
 * google provider passes `dashboard_json` through unchecked and a bad field would fail only at apply.
 * The check itself is shown to fail on dashboards broken in each way it looks for.
 */
import { WORKLOADS } from '../../workloads';
import { search, withSearchEntry } from '../workloads/fixtures/search';
import { environment, resources, synthEnvironment } from '../support/topology';
import { loadDiscovery, statedBounds, validateDashboard } from './support/dashboard-schema';

const discovery = loadDiscovery();

const dashboards = [
  ...['dev', 'staging', 'production'].map((name) => ({ label: name, env: environment(name), definitions: WORKLOADS })),
  { label: 'staging with the third workload (fixture)', env: withSearchEntry('staging', 2), definitions: [...WORKLOADS, search] },
].map(({ label, env, definitions }) => {
  const stack = synthEnvironment(env, definitions).json[`isoscribe-${env.name}-monitoring`];
  const [dashboard] = resources(stack, 'google_monitoring_dashboard');
  return { label, json: JSON.parse(dashboard.dashboard_json as string) as Record<string, any>, workloads: definitions.length };
});

describe.each(dashboards)('$label dashboard', ({ json, workloads }) => {
  it('is a Dashboard the Monitoring API v1 accepts: known fields, types, enums, required fields, one widget per tile, the mosaic grid', () => {
    expect(validateDashboard(json, discovery)).toEqual([]);
  });

  it('has a header and its charts for every workload', () => {
    const headers = json.mosaicLayout.tiles.filter((t: any) => t.widget.text);
    expect(headers).toHaveLength(workloads);
    expect(json.mosaicLayout.tiles.filter((t: any) => t.widget.xyChart).length).toBeGreaterThanOrEqual(7 * workloads);
  });
});

describe('the dashboard check fails on a broken dashboard', () => {
  const [{ json: valid }] = dashboards;
  const broken = (edit: (d: any) => void): string[] => {
    const copy = structuredClone(valid);
    edit(copy);
    return validateDashboard(copy, discovery);
  };
  const firstChart = (d: any) => d.mosaicLayout.tiles.find((t: any) => t.widget.xyChart);

  it('reads the grid bounds from Google\'s document: 1 to 48 columns', () => {
    expect(statedBounds(discovery.schemas.MosaicLayout.properties!.columns.description)).toEqual([1, 48]);
  });

  it.each([
    ['an unknown field', (d: any) => (firstChart(d).widget.xyChart.dataSets[0].timeSeriesQuery.promQuery = 'up'), /timeSeriesQuery\.promQuery: unknown field/],
    ['a misspelt layout field', (d: any) => (d.mosaicLayout.tiles[0].x = 1), /tiles\[0\]\.x: unknown field/],
    ['a value outside the enum', (d: any) => (firstChart(d).widget.xyChart.dataSets[0].plotType = 'AREA'), /plotType: "AREA" is not one of PLOT_TYPE_UNSPECIFIED, LINE/],
    ['a wrong type', (d: any) => (d.mosaicLayout.tiles[0].width = '12'), /tiles\[0\]\.width: expected an int32, got "12"/],
    ['a required field missing (the dashboard\'s name)', (d: any) => delete d.displayName, /dashboard\.displayName: required field missing/],
    ['a required field missing (a chart\'s data sets)', (d: any) => delete firstChart(d).widget.xyChart.dataSets, /xyChart\.dataSets: required field missing/],
    ['two widgets in one tile', (d: any) => (firstChart(d).widget.text = { content: 'x', format: 'RAW' }), /holds exactly one of its content \(.*\); it has xyChart, text/],
    ['two query languages in one data set', (d: any) => (firstChart(d).widget.xyChart.dataSets[0].timeSeriesQuery.timeSeriesQueryLanguage = 'fetch x'), /exactly one of its source/],
    ['no layout', (d: any) => delete d.mosaicLayout, /exactly one of its layout .* it has none/],
    ['more columns than the grid has', (d: any) => (d.mosaicLayout.columns = 49), /columns: must be between 1 and 48 \(got 49\)/],
    ['a tile past the grid\'s right edge', (d: any) => (firstChart(d).xPos = 40), /spans columns 40–52, outside the grid's 48/],
    ['a tile of no width', (d: any) => delete firstChart(d).width, /width and height must be at least 1/],
    ['a negative position', (d: any) => (d.mosaicLayout.tiles[0].yPos = -1), /cannot be negative/],
  ])('%s', (_what, edit, expected) => {
    const errors = broken(edit);
    expect(errors.join('\n')).toMatch(expected);
  });
});
